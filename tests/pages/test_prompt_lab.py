"""AppTest for the Prompt lab page: templates as one request, few-shot views equal the CLI's."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from playground.cli import main
from playground.prompting.templates import DEFAULT_FEW_SHOT
from tests.conftest import ROOT


@pytest.fixture
def app(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/prompt_lab.py").run()
    assert not at.exception and not at.error
    at.slider(key="lab_max_new_tokens").set_value(6)
    return at


def test_templates_run_together_and_show_with_or_without_the_prompt(app):
    prompts = ["Q: The moon\nA:", "The moon is"]
    app.text_area(key="lab_templates").set_value("Q: {content}\nA:\n---\n{content} is")
    app.text_area(key="lab_content").set_value("The moon")
    app.radio(key="lab_send").set_value("raw text (base models)")
    app.button(key="lab_go").click().run()
    assert not app.exception and not app.error
    assert len([c for c in app.caption if c.value[:1].isdigit()]) == 2  # one per prompt
    timings = next(c.value for c in app.caption if "tok/s" in c.value)
    assert timings.startswith("prompt ") and timings.split(" tokens")[0].count(",") == 1
    generated = [c.value for c in app.tabs[0].code if c.value not in prompts]
    assert len(generated) == 2 and all(generated)
    app.radio(key="lab_tpl_view").set_value("with the prompt").run()
    shown = [c.value for c in app.tabs[0].code if c.value not in prompts]
    # prompt ids decoded + generated ids decoded (st.code trims outer whitespace for display)
    assert all(s.startswith(p) and s.endswith(g) and len(s) > len(p)
               for s, p, g in zip(shown, prompts, generated))


def test_a_template_without_slot_is_an_error(app):
    app.text_area(key="lab_templates").set_value("Translate this please").run()
    assert not app.exception
    assert "no {content} slot" in app.error[0].value


def test_few_shot_views_render_exactly_like_the_cli(app, capsys, tmp_path):
    text_view, chat_view = [c.value for c in app.tabs[1].code][:2]
    few = tmp_path / "few_shot.json"
    few.write_text(DEFAULT_FEW_SHOT.to_json(), encoding="utf-8")
    rendered = {}
    for view in ("text", "chat"):
        assert main(["template", "--few-shot", str(few), "--as", view, "--json"]) == 0
        rendered[view] = json.loads(capsys.readouterr().out)["text"]
    # st.code trims the trailing newline of "<|im_start|>assistant\n" for display only
    assert text_view == rendered["text"] and chat_view == rendered["chat"].rstrip("\n")
    assert app.download_button[0].label == "Download as few_shot.json"


def test_few_shot_compares_zero_to_n_shots_in_one_request(app):
    app.radio(key="lab_stop_at").set_value("the first newline")
    app.radio(key="lab_few_send").set_value("raw text (base models)")
    app.button(key="lab_few_go").click().run()
    assert not app.exception and not app.error
    labels = [m.value for m in app.markdown if m.value.endswith("-shot**")]
    assert labels == [f"**{k}-shot**" for k in range(len(DEFAULT_FEW_SHOT.examples) + 1)]
    outputs = [c for c in app.caption if c.value[:1].isdigit()]
    assert len(outputs) == len(labels)
    assert all("eos" in c.value or "stop string" in c.value or "length" in c.value
               for c in outputs)
