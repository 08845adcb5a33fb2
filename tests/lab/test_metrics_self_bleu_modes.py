"""Self-BLEU both ways: the tutorial's exact sacrebleu call beside each-against-all-others."""

import json
import pathlib

import pytest
import sacrebleu

from playground.errors import SettingsError
from playground.lab.metrics import (pipeline_prefix, self_bleu, self_bleu_scores,
                                    with_prompt)
from playground.serving.handles import Prompt

# The three outputs the tutorial prints for top_p=0.9, temperature=0.8 (section 1.1), as its
# pipeline returned them (prompt included): the test data for its printed scores.
TUTORIAL = json.loads((pathlib.Path(__file__).parent / "data" /
                       "tutorial_top_p_0_9_samples.json").read_text(encoding="utf-8"))
TEXTS = ["the dragon flew over the castle and into the dark night sky",
         "a knight rode into the forest looking for the old wizard",
         "the dragon flew over the castle and into the night",
         "the old wizard slept in his tower"]


def tutorials_own_loop(texts):
    """The tutorial's scoring loop, line for line."""
    generated = [t.strip() for t in texts]
    scores = []
    for i, hypo in enumerate(generated):
        refs = generated[:i] + generated[i + 1:]
        scores.append(sacrebleu.corpus_bleu([hypo], [refs]).score)
    return scores


def test_tutorial_mode_is_the_direct_sacrebleu_call_and_the_modes_differ():
    tutorial = self_bleu_scores(TEXTS, mode="tutorial")
    assert tutorial == pytest.approx(tutorials_own_loop(TEXTS), abs=1e-9)
    others = self_bleu_scores(TEXTS, mode="all-others")
    # sample 4 shares "the old wizard" with sample 2, which is not its first other sample
    assert others[3] > tutorial[3] + 5
    assert others != pytest.approx(tutorial)


def test_the_tutorials_printed_scores_are_reproduced_in_both_modes():
    tutorial = [round(s, 2) for s in self_bleu_scores(TUTORIAL, mode="tutorial")]
    assert tutorial == [19.34, 19.36, 31.67]   # what the tutorial prints
    assert round(self_bleu(TUTORIAL, mode="tutorial"), 2) == 23.46
    others = [round(s, 2) for s in self_bleu_scores(TUTORIAL, mode="all-others")]
    assert others == [38.06, 25.25, 36.77]


def test_prompt_is_put_before_each_text_as_pipeline_returns_it():
    prompt = "Tell me a story about a dragon."
    continuations = [t[len(prompt):] for t in TUTORIAL]
    assert with_prompt(continuations, prompt) == TUTORIAL
    assert with_prompt(continuations, None) == continuations
    assert pipeline_prefix(Prompt.raw("Once upon")) == "Once upon"
    chat = Prompt.chat([{"role": "system", "content": "Be brief."},
                        {"role": "user", "content": prompt}])
    assert pipeline_prefix(chat) == prompt
    # the shared prompt raises the score: it is part of every text in the tutorial's mode
    assert self_bleu(TUTORIAL, mode="all-others") > self_bleu(continuations, mode="all-others")


def test_an_unknown_mode_is_a_clear_settings_error():
    with pytest.raises(SettingsError, match="tutorial, all-others|all-others, tutorial"):
        self_bleu_scores(TEXTS, mode="nltk")
