"""The RAG page in AppTest, with a fake DuckDuckGo at the network boundary (ddgs.DDGS)."""

import ddgs
import pytest
from ddgs.exceptions import DDGSException
from streamlit.testing.v1 import AppTest

from playground.rag import gate
from tests.conftest import ROOT

ROWS = [{"title": f"Mount Fuji fact {i}", "href": f"https://example.org/fuji-{i}",
         "body": f"Fact {i}: Mount Fuji is 3,776 metres high and last erupted in 1707."}
        for i in range(1, 6)]
DNS = "DNSError: error sending request for url > error resolving DNS > DNS error"


class FakeDDGS:
    calls = 0
    outcome: object = ROWS

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def text(self, query, **kwargs):
        FakeDDGS.calls += 1
        if isinstance(FakeDDGS.outcome, BaseException):
            raise FakeDDGS.outcome
        return list(FakeDDGS.outcome)[:kwargs.get("max_results") or 5]


@pytest.fixture
def web(monkeypatch, smol):
    FakeDDGS.calls, FakeDDGS.outcome = 0, ROWS
    monkeypatch.setattr(ddgs, "DDGS", FakeDDGS)
    monkeypatch.setattr(gate, "_gate", None)  # a fresh shared cache for this test
    return FakeDDGS


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page("pages/rag.py").run()
    assert not at.exception
    at.slider(key="rag_max_new_tokens").set_value(8)
    return at


def click(at, label):
    [b for b in at.button if b.label == label][0].click().run()


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_web_search_shows_numbered_sources_and_both_answers(web):
    at = open_page()
    at.text_input(key="rag_question").input("How high is Mount Fuji?")
    click(at, "Search and answer")
    assert not at.exception and not at.error
    text = markdown(at)
    for i in range(1, 6):  # every result numbered, linked to its own page
        assert f"**\\[{i}\\]** [Mount Fuji fact {i}](https://example.org/fuji-{i}" in text
    assert "**With the sources**" in text and "**Without retrieval**" in text
    prompt = [e for e in at.expander if e.label.startswith("The prompt")][0]
    assert "(budget 1024, context 8192)" in prompt.label
    assert any("[5] Fact 5: Mount Fuji" in c.value for c in prompt.code)
    assert web.calls == 1
    click(at, "Search and answer")  # the same search again comes from the shared cache
    assert web.calls == 1 and any("shared cache" in c.value for c in at.caption)


def test_offline_search_says_so_and_still_answers_without_web_context(web):
    web.outcome = DDGSException(DNS)
    at = open_page()
    at.text_input(key="rag_question").input("How high is Mount Fuji?")
    click(at, "Search and answer")
    assert not at.exception
    assert "search is unavailable from this machine" in at.error[0].value
    click(at, "Answer without web context")
    assert not at.exception and "**Without retrieval**" in markdown(at)
    assert "With the sources" not in markdown(at)


def test_a_pasted_document_is_retrieved_and_answered_from(web):
    at = open_page()
    at.radio(key="rag_source").set_value("Local documents").run()
    at.text_area(key="rag_paste").input(
        "The Aurora Library closes at 6 p.m. on weekdays.\n\nThe museum cafe serves tea.")
    at.text_input(key="rag_question").input("When does the library close?")
    click(at, "Answer from documents")
    assert not at.exception and not at.error
    assert "pasted text · chunk 1" in markdown(at) and web.calls == 0
    assert any("BM25 score" in c.value for c in at.caption)


def test_missing_question_and_missing_documents_show_errors_not_tracebacks(web):
    at = open_page()
    click(at, "Search and answer")
    assert "type a question first" in at.error[0].value
    at.radio(key="rag_source").set_value("Local documents").run()
    at.text_input(key="rag_question").input("When does the library close?")
    click(at, "Answer from documents")
    assert not at.exception and "paste a text or upload" in at.error[0].value


def test_the_answer_is_labelled_and_its_post_carries_what_made_it(web):
    from playground.room import board
    from playground.room.store import room_store

    at = open_page()
    at.radio(key="rag_source").set_value("Local documents").run()
    at.text_area(key="rag_paste").input("The Aurora Library closes at 6 p.m. on weekdays.")
    at.text_input(key="rag_question").input("When does the library close?")
    click(at, "Answer from documents")
    assert not at.exception and not at.error
    [label] = [c.value for c in at.caption if "Made with:" in c.value]
    assert "max_new_tokens 8" in label and "changed since" not in label
    at.slider(key="rag_max_new_tokens").set_value(20)
    at.text_input(key="rag_question").input("Does the cafe serve tea?").run()
    [label] = [c.value for c in at.caption if "Made with:" in c.value]
    assert "inputs changed since (max_new_tokens, question)" in label
    at.button(key="rag_post_go").click().run()
    post = board.list_posts(room_store())[0]
    assert post.settings["max_new_tokens"] == 8  # the answer's, not the slider's now
    assert post.inputs["max_new_tokens"] == 8
    assert post.inputs["question"] == "When does the library close?"
