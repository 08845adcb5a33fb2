"""What the tokenizer does before the model, on the real embedded tokenizer."""

import pytest

from playground.errors import InsideError
from playground.inside import tokenizing


def test_nfkc_turns_21_tokens_into_10(smol):
    r = tokenizing.normalization(smol, "ＡＢＣ１２３ｱｲｳ", "nfkc")
    assert (r.normalized, r.count, r.normalized_count) == ("ABC123アイウ", 21, 10)
    assert ("ｱ", "ア") in r.changes and ("Ａ", "A") in r.changes
    nfc = tokenizing.normalization(smol, "ＡＢＣ１２３ｱｲｳ", "nfc")  # NFC keeps width forms
    assert nfc.normalized == "ＡＢＣ１２３ｱｲｳ" and nfc.normalized_count == 21
    assert tokenizing.normalize("か\u3099", "nfc") == "が"  # NFC joins a combining mark
    assert tokenizing.normalize("ＡＢＣ", "off") == "ＡＢＣ"


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("max_length", [None, 3])
def test_the_padding_demo_is_what_the_tokenizer_gives(smol, side, max_length):
    texts = ["Tell me a story about a dragon.", "Hi"]
    b = tokenizing.batch(smol, texts, side, truncation=max_length is not None,
                         max_length=max_length)
    own = smol.tokenizer(texts, padding=True, padding_side=side,
                         truncation=max_length is not None, max_length=max_length)
    assert b.attention_mask == own["attention_mask"] and b.input_ids == own["input_ids"]
    pads = [row.count(0) for row in b.attention_mask]
    assert pads[0] == 0 and pads[1] > 0
    assert (b.attention_mask[1][0] == 0) == (side == "left")
    assert b.truncated == [max_length is not None, False]


def test_lengths_and_casing(smol):
    r = tokenizing.lengths(smol, "Tell me a story about a dragon.", 20, 20)
    assert r.prompt_tokens == 8 and r.new_by_max_length == 12 and r.new_by_max_new_tokens == 20
    assert tokenizing.lengths(smol, "Tell me a story about a dragon.", 5, 20).new_by_max_length == 0
    rows = tokenizing.casing(smol, "Hello")
    assert len({tuple(r["ids"]) for r in rows}) == len(rows) == 3  # a cased vocabulary


def test_bad_inputs_are_clear_errors(smol):
    with pytest.raises(InsideError, match="normalize must be"):
        tokenizing.normalization(smol, "abc", "nfkd!")
    with pytest.raises(InsideError, match="padding_side"):
        tokenizing.batch(smol, ["a", "b"], "middle")
    with pytest.raises(InsideError, match="max_length"):
        tokenizing.batch(smol, ["a", "b"], "left", truncation=True, max_length=0)
