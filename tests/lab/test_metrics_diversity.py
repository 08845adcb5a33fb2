"""Self-BLEU, distinct-n and mean length (playground.lab.metrics, the Sampling lab's part)."""

import pytest
import sacrebleu

from playground.lab.metrics import distinct_n, mean_length, self_bleu, self_bleu_scores

A = "the dragon flew over the castle and into the dark night sky"
B = "a knight rode into the forest looking for the old wizard"
C = "the dragon flew over the castle and into the dark night sky"


def test_identical_samples_score_100_and_different_ones_far_less():
    assert self_bleu([A, A, A]) == pytest.approx(100)
    assert self_bleu([A, B]) < 20


def test_each_other_sample_is_a_reference_of_its_own():
    # A's twin C is the second of its references; the first one (B) is unrelated
    scores = self_bleu_scores([B, A, C])
    assert scores[1] == pytest.approx(100)  # A matches C, the second of its references
    one_stream = sacrebleu.corpus_bleu([A], [[B, C]]).score  # how the tutorial's code calls it
    assert one_stream < 20  # ...only B was used: the bug the helper avoids


def test_scores_are_per_sample_and_the_average_is_their_mean():
    texts = [A, B, C, "the dragon slept"]
    scores = self_bleu_scores(texts)
    assert len(scores) == 4 and self_bleu(texts) == pytest.approx(sum(scores) / 4)


def test_fewer_than_two_samples_have_no_self_bleu():
    assert self_bleu_scores([A]) == [] and self_bleu([A]) is None


def test_distinct_n_counts_unique_ngrams_over_all_texts():
    assert distinct_n(["a b c", "a b d"], 1) == pytest.approx(4 / 6)
    assert distinct_n(["a b c", "a b d"], 2) == pytest.approx(3 / 4)
    assert distinct_n(["", "x"], 2) is None
    with pytest.raises(ValueError):
        distinct_n([A], 0)


def test_mean_length_in_words():
    assert mean_length(["one two", "one two three four"]) == 3
    assert mean_length([]) is None
