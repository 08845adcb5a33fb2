"""A room of strangers, through the pages: text stays text, errors carry no traceback, number
fields name their range, a new run clears the old result (AppTest, the real embedded model)."""

import logging
import re

import pytest
from markdown_it import MarkdownIt

from playground.ui.text import as_text, error_text
from playground.ui.widgets import CURSOR

IMAGE = "![a](http://127.0.0.1:9/x.png)"
PAYLOADS = [IMAGE, "<img src=x onerror=alert(1)>", "__init__ is **bold**?",
            "[click](http://127.0.0.1:9/)", "# heading\n> quote\n    indented", "$x^2$ :red[hi]"]


def html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_as_text_renders_no_image_link_html_or_emphasis(payload):
    out = html(as_text(payload))
    assert not re.search(r"<(img|a|strong|em|h1|blockquote|code|pre)\b", out)
    assert "<img src=x" not in out  # raw HTML comes out escaped (&lt;img ...)


def test_a_bug_shows_an_error_id_that_is_in_the_log_and_no_exception_text(caplog):
    with caplog.at_level(logging.ERROR, logger="playground"):
        message = error_text(RuntimeError("/srv/secret/path"))
    error_id = re.search(r"error id ([0-9a-f]{8})", message).group(1)
    assert "/srv/secret" not in message and "RuntimeError" not in message
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_chat_message_with_an_image_shows_as_text(app):
    app.switch_page("pages/persona_chat.py").run()
    app.slider(key="persona_max_new_tokens").set_value(4)
    app.chat_input[0].set_value(IMAGE).run()
    assert not app.exception
    user = [m.markdown[0].value for m in app.chat_message if m.name == "user"]
    assert user == [as_text(IMAGE)] and "<img" not in html(user[0])
    assert not any(CURSOR in m.value for m in app.markdown)  # the stream ended: no cursor


def with_model_name(app, name: str):
    """The name the sidebar's id field would store (the field itself: tests/e2e)."""
    app.session_state["model_name"] = name
    return app.run()


def test_an_error_with_markdown_in_it_shows_as_text(app):
    with_model_name(app, "__bold__ " + IMAGE)
    assert not app.exception
    message = app.error[0].value
    assert "unknown model" in message and not re.search(r"<(img|strong|a)\b", html(message))


@pytest.mark.parametrize("page", ["pages/generate.py", "pages/tokenizer_model.py",
                                  "pages/persona_chat.py"])
def test_a_300_character_model_id_is_a_message_not_a_traceback(app, page):
    app.switch_page(page).run()
    with_model_name(app, "org/" + "m" * 300)
    assert not app.exception and "characters long" in app.error[0].value


@pytest.mark.parametrize("seed", [-1, 2**31])
def test_an_out_of_range_seed_names_the_range_instead_of_changing(app, seed):
    app.radio(key="gen_mode").set_value("Sampling").run()
    app.number_input(key="gen_seed").set_value(seed).run()
    assert not app.exception
    assert any("seed must be between 0 and 2,147,483,647" in e.value for e in app.error)
    assert app.number_input(key="gen_seed").value == seed  # not silently replaced
    assert app.button[0].disabled


def test_a_negative_persona_budget_names_the_range(app):
    app.switch_page("pages/persona_chat.py").run()
    app.number_input(key="persona_budget").set_value(-5).run()
    assert any("Context budget (tokens) must be between" in e.value for e in app.error)
    assert app.chat_input[0].disabled


def test_a_new_run_clears_the_old_result_even_when_it_fails(app, monkeypatch):
    from playground.errors import ServiceBusyError
    from playground.serving.service import GenerationService

    app.slider(key="gen_max_new_tokens").set_value(6)
    app.button[0].click().run()
    assert any("tok/s" in c.value for c in app.caption)

    def busy(self, request):
        raise ServiceBusyError("the server is busy, try again in a moment")

    monkeypatch.setattr(GenerationService, "submit", busy)
    app.button[0].click().run()
    assert not app.exception and "busy" in app.error[0].value
    assert not any("tok/s" in c.value for c in app.caption)  # the old output is gone


def test_an_empty_chat_prompt_says_what_the_model_is_asked(app):
    app.text_area(key="gen_prompt").set_value("").run()
    assert any("empty user message" in i.value for i in app.info)
