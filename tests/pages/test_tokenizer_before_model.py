"""AppTest: the Tokenizer & model page's sections on what happens before the model."""

import ast

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def tensor(code: str) -> list[list[int]]:
    return ast.literal_eval(code.removeprefix("tensor(").removesuffix(")"))


def test_normalization_padding_and_lengths(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/tokenizer_model.py").run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tokens as typed"] == "21" and metrics["Tokens after NFKC"] == "10"
    codes = [c.value for c in at.code if c.value.startswith("tensor(")]
    texts = ["Tell me a story about a dragon.", "Hi!"]
    own = smol.tokenizer(texts, padding=True, padding_side="left")
    assert tensor(codes[0]) == own["input_ids"] and tensor(codes[1]) == own["attention_mask"]
    at.radio(key="tok_pad_side").set_value("right")
    at.toggle(key="tok_pad_truncate").set_value(True).run()
    codes = [c.value for c in at.code if c.value.startswith("tensor(")]
    own = smol.tokenizer(texts, padding=True, padding_side="right", truncation=True, max_length=4)
    assert tensor(codes[1]) == own["attention_mask"] == [[1, 1, 1, 1], [1, 1, 0, 0]]
    prompt = at.text_input(key="tok_len_prompt").value
    n = len(smol.tokenizer(prompt)["input_ids"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Prompt tokens"] == str(n) and \
        metrics["New tokens with max_length=12"] == str(12 - n)
    at.button(key="tok_len_go").click().run()
    assert not at.exception and not at.error
    by_length, by_new = [c.value for c in at.code if c.value.startswith(prompt)]
    ids = smol.tokenizer(by_new[len(prompt):], add_special_tokens=False)["input_ids"]
    assert by_new.startswith(by_length) and len(by_length) < len(by_new) and len(ids) >= 10
    at.radio(key="tok_norm_form").set_value("nfc").run()
    assert {m.label: m.value for m in at.metric}["Tokens after NFC"] == "21"
