"""Readable tokens: bytes behind each vocabulary piece, visible whitespace, special tokens."""

from playground.prompting.tokens import (piece_bytes, special_ids, special_tokens, token_views,
                                         tokenize, visible, vocabulary_style)
from playground.serving.steps import byte_decoder


def test_byte_level_table_maps_256_distinct_characters_to_all_bytes():
    table = byte_decoder()
    assert len(table) == 256 and sorted(table.values()) == list(range(256))
    assert table["Ġ"] == ord(" ") and table["Ċ"] == ord("\n")


def test_pieces_turn_back_into_their_bytes_in_both_vocabulary_styles():
    assert piece_bytes("Ġworld", "byte-level") == b" world"
    assert piece_bytes("ĠÃ©", "byte-level") == " é".encode()
    assert piece_bytes("▁world", "sentencepiece") == b" world"
    assert piece_bytes("<0x0A>", "sentencepiece") == b"\n"
    assert piece_bytes("x", "other") is None


def test_whitespace_is_made_visible():
    assert visible("a b\n\tc") == "a␣b↵⇥c"


def test_smollm_text_round_trips_with_visible_spaces_and_partial_characters(smol):
    assert vocabulary_style(smol.tokenizer) == "byte-level"
    result = tokenize(smol.tokenizer, "Hello world\n日本", lock=smol.tokenizer_lock)
    shown = [v.shown for v in result.views]
    assert result.round_trip and result.count == len(result.ids) == len(shown)
    assert shown[:3] == ["Hello", "␣world", "↵"]
    # 日 is three bytes; SmolLM2's vocabulary splits it, so some tokens are only bytes
    assert any(s.startswith("<0x") for s in shown)
    assert smol.tokenizer.decode(result.ids) == "Hello world\n日本"
    assert [o for o in result.offsets][:2] == [(0, 5), (5, 11)]


def test_special_tokens_are_flagged_and_listed_with_their_ids(smol):
    ids = smol.tokenizer("<|im_start|>user", add_special_tokens=False)["input_ids"]
    views = token_views(smol.tokenizer, ids)
    assert views[0].special and views[0].shown == "<|im_start|>" and not views[1].special
    rows = {r["name"]: r for r in special_tokens(smol.tokenizer)}
    assert rows["eos_token"]["token"] == "<|im_end|>"
    assert rows["eos_token"]["id"] == smol.tokenizer.eos_token_id
    assert {0, 1, 2} <= special_ids(smol.tokenizer)


def test_adding_the_tokenizers_own_special_tokens_is_visible_in_the_count(smol):
    plain = tokenize(smol.tokenizer, "Hi", add_special_tokens=False)
    added = tokenize(smol.tokenizer, "Hi", add_special_tokens=True)
    # SmolLM2 adds none for a raw prompt; whatever it adds must show up as special tokens
    extra = added.count - plain.count
    assert extra == sum(v.special for v in added.views) - sum(v.special for v in plain.views)
