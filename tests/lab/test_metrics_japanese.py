"""Metrics on Japanese text: MeCab morphemes (sacrebleu's ja-mecab) instead of 13a, which
counts a whole Japanese sentence as one word; English results stay as they were."""

import pytest
import sacrebleu

from playground.lab import metrics
from playground.lab.metrics import (bleu_vs, chrf_vs, distinct_n, mean_length, self_bleu,
                                    self_bleu_scores, tokenization, words)

SAME = "昔々、ある山に大きなドラゴンが住んでいました。"
DIFFERENT = ["昔々、ある山に大きなドラゴンが住んでいました。",
             "昔々、ある森に小さなドラゴンが住んでいました。",
             "ある日、騎士が山のドラゴンに会いに行きました。"]
EN = ["the dragon flew over the castle and into the dark night sky",
      "a knight rode into the forest looking for the old wizard",
      "the dragon slept in the castle"]


def test_japanese_text_chooses_mecab_and_english_13a():
    assert tokenization(DIFFERENT) == "ja-mecab"
    assert tokenization("ドラゴンの story about a dragon") == "ja-mecab"  # mixed counts as ja
    assert tokenization(EN) == "13a" and tokenization([]) == "13a"


def test_three_identical_japanese_sentences_score_100():
    assert self_bleu([SAME] * 3) == pytest.approx(100)
    # what 13a makes of it: one "word" per sentence, no 2-gram, BLEU 0 ("as diverse as can be")
    assert self_bleu([SAME] * 3, tokenize="13a") == pytest.approx(0)


def test_different_japanese_sentences_that_share_words_score_between():
    scores = self_bleu_scores(DIFFERENT)
    assert all(0 < s < 100 for s in scores)
    assert scores[0] > scores[2]  # the first two share the most morphemes


def test_distinct_n_counts_morphemes():
    ws = words(SAME)
    assert ws[3:8] == ["ある", "山", "に", "大きな", "ドラゴン"] and len(ws) > 10
    assert distinct_n([SAME] * 3, 1) == pytest.approx(len(set(ws)) / (3 * len(ws)))
    assert distinct_n([SAME] * 3, 2) == pytest.approx((len(ws) - 1) / (3 * (len(ws) - 1)))
    assert mean_length([SAME] * 2) == len(ws)
    # the bug this fixes: without segmentation each sentence is one word and has no 2-gram
    assert distinct_n([SAME] * 3, 2, tokenize="13a") is None


def test_bleu_vs_a_reference_segments_japanese():
    assert bleu_vs(SAME, SAME) == pytest.approx(100)
    assert 0 < bleu_vs(DIFFERENT[1], DIFFERENT[0]) < 100
    assert bleu_vs(DIFFERENT[1], DIFFERENT[0], tokenize="13a") == pytest.approx(0)
    assert 0 < chrf_vs(DIFFERENT[1], DIFFERENT[0]) < 100


def test_english_results_are_unchanged():
    refs = EN[1:]
    assert self_bleu_scores(EN)[0] == pytest.approx(
        sacrebleu.corpus_bleu([EN[0]], [[r] for r in refs]).score)
    assert bleu_vs(EN[0], EN[2]) == pytest.approx(sacrebleu.sentence_bleu(EN[0], [EN[2]]).score)
    assert distinct_n(EN, 1) == pytest.approx(
        len({w for t in EN for w in t.split()}) / sum(len(t.split()) for t in EN))
    assert mean_length(EN) == pytest.approx(sum(len(t.split()) for t in EN) / 3)


def test_an_unknown_tokenization_is_refused():
    with pytest.raises(ValueError, match="tokenize must be one of"):
        self_bleu(EN, tokenize="zh")


def test_mecab_needs_no_system_install():
    # the wheel bundles libmecab and ipadic ships the dictionary: no mecabrc, no apt package
    assert metrics._mecab().signature().startswith("ja-mecab-")
