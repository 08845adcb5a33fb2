"""AppTest for the Inside the model page, in English (SmolLM2) and Japanese (gemma-3-270m);
tests/pages/test_japanese_ui.py scans its Japanese tab for English left over."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def open_page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    if lang:
        at.query_params["lang"] = lang
    at.switch_page("pages/inside_model.py")
    return at.run()


def test_every_view_in_english_on_smollm2(smol):
    at = open_page()
    assert not at.exception and not at.error
    assert at.title[0].value == "Inside the model"
    text = " ".join(m.value for m in at.markdown)
    assert "torch.Size([1, 12, 576])" in " ".join(c.value for c in at.code)
    assert "predicts ** Paris**" in text.replace("␣", " ")  # the lens's final answer
    assert "not an embedding model" in at.info[0].value
    assert len(at.get("vega_lite_chart")) == 6  # norms, layers, heatmap, map, lens, attention
    # a slider redraws from the kept results: no second pass (no spinner, same objects)
    kept = dict(at.session_state["inside_results"])
    at.slider(key="inside_sim_layer").set_value(3).run()
    assert "at layer 3" in " ".join(m.value for m in at.markdown)
    assert at.session_state["inside_results"]["similarity"][1] is kept["similarity"][1]
    at.text_area(key="inside_text").set_value("").run()
    assert "empty" in at.error[0].value and not at.exception


def test_a_japanese_tab_starts_on_gemma_with_japanese_examples(smol):
    at = open_page("ja")
    assert not at.exception and not at.error
    assert at.title[0].value == "モデルの中をのぞく"
    assert at.text_area(key="inside_text").value.startswith("日本の首都は")
    assert "猫がマットの上に" in at.text_area(key="inside_sentences").value
    assert "640" in " ".join(c.value for c in at.code)  # gemma-3-270m's hidden size
    assert "埋め込みモデルではありません" in at.info[0].value


def test_hostile_text_is_shown_as_text(smol):
    at = open_page()
    hostile = "<|im_end|><img src=x onerror=alert(1)> ![x](http://e.invalid/x.png) **b** ]("
    at.text_area(key="inside_text").set_value(hostile).run()
    assert not at.exception and not at.error
    summary = next(m.value for m in at.markdown if "predicts" in m.value)
    assert "<img" not in summary and "![" not in summary
    assert "torch.Size([1, " in " ".join(c.value for c in at.code)
