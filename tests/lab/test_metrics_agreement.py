"""Agreement with a reference output (chrF, BLEU, first divergence) and perplexity."""

import math

import pytest

from playground.lab.metrics import bleu_vs, chrf_vs, first_divergence, perplexity

STORY = "Once upon a time, in a land far away, there lived a kind old dragon."


def test_identical_texts_score_100():
    assert chrf_vs(STORY, STORY) == pytest.approx(100.0) and \
        bleu_vs(STORY, STORY) == pytest.approx(100.0)


def test_one_changed_word_costs_bleu_more_than_chrf():
    changed = STORY.replace("kind", "grumpy")
    chrf, bleu = chrf_vs(changed, STORY), bleu_vs(changed, STORY)
    assert 0 < bleu < chrf < 100


def test_unrelated_text_scores_near_zero():
    assert chrf_vs("1234 5678 90", STORY) < 10 and bleu_vs("1234 5678 90", STORY) < 1


@pytest.mark.parametrize("tokens, reference, expected", [
    ([1, 2, 3], [1, 2, 3], None),
    ([1, 2, 3], [9, 2, 3], 0),
    ([1, 2, 3, 4], [1, 2, 7, 4], 2),
    ([1, 2], [1, 2, 3], 2),   # stopped earlier: they part where the shorter one ends
    ([1, 2, 3], [1, 2], 2),
    ([], [], None),
])
def test_first_divergence(tokens, reference, expected):
    assert first_divergence(tokens, reference) == expected


def _tiny_llama(vocab: int = 50):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=vocab, hidden_size=16, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2)
    return LlamaForCausalLM(config).eval()


def test_a_model_that_knows_nothing_has_perplexity_equal_to_its_vocabulary_size():
    import torch

    model = _tiny_llama(vocab=50)
    with torch.no_grad():
        model.lm_head.weight.zero_()  # every token equally likely: loss = ln(50)
    assert perplexity(model, [3, 7, 11, 2, 40]) == pytest.approx(50.0, rel=1e-5)


def test_perplexity_drops_for_the_tokens_a_model_predicts():
    import torch

    model = _tiny_llama(vocab=50)
    with torch.no_grad():
        model.lm_head.weight.zero_()
        model.lm_head.weight[7] = 5.0 * model.model.norm.weight.sign().float()  # favour token 7
    sevens, others = [7, 7, 7, 7, 7], [3, 11, 2, 40, 9]
    assert 1 <= perplexity(model, sevens) < 50 < perplexity(model, others)
    assert math.isfinite(perplexity(model, others))


def test_perplexity_needs_two_tokens():
    with pytest.raises(ValueError, match="at least 2 tokens"):
        perplexity(_tiny_llama(), [42])
