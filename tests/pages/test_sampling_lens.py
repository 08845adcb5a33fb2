"""AppTest for the Sampling lab's Decoding lens page on the real model."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    at.switch_page("pages/sampling_lens.py").run()
    assert not at.exception
    return at


def test_generate_then_step_through_the_recorded_distribution(app):
    assert app.title[0].value == "Decoding lens" and not app.error
    app.slider(key="lens_max_new").set_value(4).run()
    app.button(key="lens_go").click().run()
    assert not app.exception and not app.error
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["chosen token"] and "of 49,152" in metrics["tokens kept"]
    table = app.dataframe[0].value
    assert table["token"].str.startswith("★").sum() == 1
    # defaults: top_k 20, top_p 0.9, epsilon 0.02 -> at least one token is removed
    assert (table["what happened"] != "kept").any()
    app.slider(key="lens_step").set_value(2).run()
    assert not app.exception
    assert app.slider(key="lens_step").value == 2


def test_greedy_shows_the_argmax_taking_everything(app):
    app.toggle(key="lens_do_sample").set_value(False).run()
    app.slider(key="lens_max_new").set_value(2).run()
    app.button(key="lens_go").click().run()
    table = app.dataframe[0].value
    assert table.iloc[0]["token"].startswith("★")
    assert table.iloc[0]["renormalized (sampled from) %"] == 100.0
    assert any("Greedy decoding ignores" in i.value for i in app.info)


def test_bad_settings_show_an_error_and_disable_generate(app):
    app.slider(key="lens_temperature").set_value(0.0).run()
    assert not app.exception and any("choose greedy" in e.value for e in app.error)
    assert app.button(key="lens_go").disabled


def test_the_coloured_table_shows_two_decimals_and_colours_each_filter_apart():
    import pandas as pd

    from playground.ui.sampling_lab import STATUS_LABELS, coloured_status
    df = pd.DataFrame({"p %": [22.46, 0.5, 0.25],
                       "what happened": [STATUS_LABELS[s] for s in ("kept", "top_p", "top_k")]})
    html = coloured_status(df, "what happened").to_html()
    assert "22.46<" in html and "22.460000" not in html
    colours = {line.split("background-color:")[1].split(";")[0].strip()
               for line in html.splitlines() if "background-color:" in line}
    assert len(colours) == 3  # kept, top-p and top-k each in their own colour


def test_choose_another_token_at_step_3_and_draw_a_thousand_times(app):
    """Issue 17: the branch beside the original, and the sampler's frequencies."""
    app.slider(key="lens_max_new").set_value(6).run()
    app.slider(key="lens_temperature").set_value(1.0).run()
    app.slider(key="lens_top_p").set_value(1.0).run()
    app.button(key="lens_go").click().run()
    app.slider(key="lens_step").set_value(3).run()
    assert app.selectbox(key="lens_branch_token").options  # other candidates of step 3
    app.button(key="lens_branch_go").click().run()
    assert not app.exception and not app.error
    captions = [c.value for c in app.caption]
    assert any(c.startswith("original:") for c in captions)
    assert any(c.startswith("branch:") and "at step 3" in c for c in captions)
    app.button(key="lens_draw_go").click().run()
    assert not app.exception and not app.error
    table = app.dataframe[-1].value
    assert table["count"].sum() == 1000
    assert (table["difference (points)"].abs() < 5).all()
    assert any(c.startswith("Largest difference:") for c in (x.value for x in app.caption))


def test_tokens_so_far_has_one_code_span_per_token_and_no_doubled_backticks(app):
    """Issue 26: adjacent spans (`The``␣ancient`) read as a double-backtick span in Markdown and
    the page showed the backticks literally."""
    app.slider(key="lens_max_new").set_value(5).run()
    app.button(key="lens_go").click().run()
    app.slider(key="lens_step").set_value(4).run()
    line = next(m.value for m in app.markdown if m.value.startswith("Tokens so far: "))
    assert "``" not in line
    spans = line.removeprefix("Tokens so far: ").split(" ")
    assert len(spans) == 5 and spans[-1].startswith("**\\[")
    assert all(s.startswith("`") and s.endswith("`") and s.count("`") == 2 for s in spans[:4])


def test_the_lessons_lens_step_keeps_several_tokens_and_offers_a_drawable_token(app):
    """Issue 26: with the lesson's inputs (the lens's defaults before) a third of the steps kept
    1 of 49,152 tokens, so Draw only said every draw was the same and "another token" started
    on a token with 0.0 % to be drawn."""
    app.text_area(key="lens_prompt").set_value("Once upon a time").run()
    app.button(key="lens_go").click().run()
    assert not app.exception and not app.error
    kept = []
    for step in range(int(app.slider(key="lens_step").max) + 1):
        app.slider(key="lens_step").set_value(step).run()
        kept.append(int(next(m.value for m in app.metric if m.label == "tokens kept")
                        .split()[0].replace(",", "")))
        picker = app.selectbox(key="lens_branch_token")
        shown = picker.format_func(picker.value)  # "␣Eld  (20.0% to be drawn, kept)"
        assert float(shown.rsplit("(", 1)[1].split("%")[0]) > 0, (step, shown)
    assert len(kept) == 16 and min(kept) >= 2, kept
    app.slider(key="lens_step").set_value(3).run()
    app.button(key="lens_draw_go").click().run()
    counts = app.dataframe[-1].value["count"]
    assert (counts > 0).sum() >= 2  # the draws differ
    assert not any(c.value == "Every draw gave the same token." for c in app.caption)


def test_another_token_lists_drawable_tokens_first():
    from types import SimpleNamespace as C

    from playground.ui.lens_view import branch_options
    rec = C(candidates=[C(text="a", chosen=True, raw=.7, final=.8),
                        C(text="b", chosen=False, raw=.2, final=0.0),
                        C(text="c", chosen=False, raw=.06, final=.15),
                        C(text="d", chosen=False, raw=.04, final=.05)])
    assert [c.text for c in branch_options(rec)] == ["c", "d", "b"]
