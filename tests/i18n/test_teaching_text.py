"""What the pages teach matches what the project computes and what the tutorial does."""

import json
import pathlib
import re
import tomllib

import pytest

from playground.i18n import catalogue
from playground.lab.metrics import self_bleu_scores

ROOT = pathlib.Path(__file__).parents[2]
DATA = ROOT / "tests" / "lab" / "data" / "tutorial_top_p_0_9_samples.json"
PROMPT = "Tell me a story about a dragon."


def test_self_bleu_figures_are_the_continuations_scored_by_our_own_metric():
    continuations = [t[len(PROMPT):] for t in json.loads(DATA.read_text(encoding="utf-8"))]
    scores = " / ".join(f"{s:.2f}" for s in self_bleu_scores(continuations, mode="all-others"))
    assert scores == "33.19 / 18.15 / 31.83"
    for lang in ("en", "ja"):
        text = catalogue(lang)["self_bleu_view.explanation"]
        assert scores in text and "38.06" not in text
    assert scores in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8").replace("\n", " ")


def test_the_lessons_section_1_step_sends_a_raw_string_as_the_tutorial_does():
    plan = tomllib.loads((ROOT / "playground/room/lessons/tutorial.toml").read_text("utf-8"))
    first = plan["step"][0]
    assert first["inputs"]["chat"] is False
    assert "raw string" in first["note"] and "no chat template" in first["note"]
    assert "through its chat template" not in first["note"]
    assert "素の文字列" in first["note_ja"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_chat_template_is_not_said_to_make_a_base_model(lang):
    cat = catalogue(lang)
    assert "(base model)" not in cat["base_vs_chat.kind_base"]
    assert "(ベースモデル)" not in cat["base_vs_chat.kind_base"]
    assert "(a base model)" not in cat["chat_template.support_no_template"]
    assert "(ベースモデル)" not in cat["chat_template.support_no_template"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_memory_is_labelled_mib_where_it_is_counted_in_2_to_the_20(lang):
    # every memory figure the pages show is bytes / 2**20 (footprints, RSS, the budget)
    assert not [k for k, v in catalogue(lang).items() if re.search(r"\bMB\b", v)]


def test_models_md_states_the_nf4_bytes_per_parameter_its_table_implies():
    text = (ROOT / "docs" / "models.md").read_text(encoding="utf-8")
    stated = float(re.search(r"nf4: about (\d\.\d)", text).group(1))
    ratios = []
    for line in text.splitlines():
        m = re.match(r"\| \S+ \| ~?([\d.]+)B \| ~([\d.]+) GB \| ~([\d.]+) GB \|", line)
        if m:
            ratios.append(float(m.group(3)) / float(m.group(1)))
    assert len(ratios) >= 4
    assert stated == round(sum(ratios) / len(ratios), 1)
