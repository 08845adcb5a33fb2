"""``python -m playground search`` and ``rag``: exit codes, JSON, and answering from a folder."""

import json

import ddgs
import pytest
from ddgs.exceptions import DDGSException

from playground.cli import main
from playground.rag import gate

ROWS = [{"title": f"Result {i}", "href": f"https://example.org/{i}", "body": f"Snippet {i}."}
        for i in range(1, 4)]


class FakeDDGS:
    outcome: object = ROWS

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def text(self, query, **kwargs):
        if isinstance(FakeDDGS.outcome, BaseException):
            raise FakeDDGS.outcome
        return list(FakeDDGS.outcome)


@pytest.fixture
def fake_web(monkeypatch):
    FakeDDGS.outcome = ROWS
    monkeypatch.setattr(ddgs, "DDGS", FakeDDGS)
    monkeypatch.setattr(gate, "_gate", None)
    return FakeDDGS


def test_search_prints_numbered_results_as_json(fake_web, capsys):
    assert main(["search", "tea ceremony", "--n", "3", "--json", "--provider", "ddgs"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["url"] for r in out["results"]] == [r["href"] for r in ROWS]
    assert out["options"] == {"region": "wt-wt", "time": "any", "max_results": 3}


def test_search_exits_3_with_the_clear_message_when_unavailable(fake_web, capsys):
    fake_web.outcome = DDGSException("ConnectError: Connection refused (os error 111)")
    assert main(["search", "tea ceremony"]) == 3
    assert "search is unavailable from this machine" in capsys.readouterr().err


def test_bad_search_options_exit_1_before_searching(fake_web, capsys):
    assert main(["search", "tea", "--n", "0"]) == 1
    assert "max_results must be in [1, 10]" in capsys.readouterr().err


def test_rag_web_failure_exits_3(fake_web, capsys):
    fake_web.outcome = DDGSException("DNSError: error resolving DNS")
    assert main(["rag", "--question", "How high is Mount Fuji?"]) == 3
    assert "use local documents" in capsys.readouterr().err


def test_rag_answers_from_a_folder_with_sources_and_without(smol, tmp_path, capsys):
    (tmp_path / "kita.txt").write_text("Mount Kita is 3,193 metres high.\n", encoding="utf-8")
    (tmp_path / "tea.md").write_text("Matcha is a powdered green tea.\n", encoding="utf-8")
    code = main(["rag", "--question", "How high is Mount Kita?", "--docs", str(tmp_path),
                 "--max-new-tokens", "8", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["retrieval"] == "documents" and out["sources"][0]["title"] == "kita.txt · chunk 1"
    assert out["sources"][0]["n"] == 1 and "[1] Mount Kita is 3,193 metres high." in out["prompt"]
    assert out["prompt_tokens"] <= out["budget_tokens"] <= out["context_length"] - 8
    assert out["answer"] and out["without_retrieval"]


def test_rag_with_a_missing_folder_exits_1(tmp_path, capsys):
    assert main(["rag", "--question", "q", "--docs", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err
