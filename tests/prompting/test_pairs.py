"""Base vs chat: a pair from two families is named as such, with same-family pairs to use."""

from playground.prompting.pairs import SAME_FAMILY_PAIRS, family, pair_note


def test_family_drops_the_org_and_the_tuning_suffixes():
    assert family("meta-llama/Llama-2-7b-chat-hf") == family("meta-llama/Llama-2-7b-hf") \
        == "llama-2-7b"
    assert family("smollm2-135m-instruct") == family("HuggingFaceTB/SmolLM2-135M") \
        == "smollm2-135m"
    assert family("google/gemma-3-270m-it") == family("gemma-3-270m")


def test_the_offline_pair_is_flagged_and_same_family_pairs_are_not():
    note = pair_note("smollm2-135m-instruct", "gemma-3-270m")
    assert note and "different families" in note
    assert "meta-llama/Llama-2-7b-hf / meta-llama/Llama-2-7b-chat-hf" in note
    assert "HuggingFaceTB/SmolLM2-135M / HuggingFaceTB/SmolLM2-135M-Instruct" in note
    for a, b in SAME_FAMILY_PAIRS:
        assert pair_note(a, b) is None
    assert pair_note("Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-0.5B-Instruct") is None
