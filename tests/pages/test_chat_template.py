"""AppTest for the Chat template page: SmolLM2's ChatML, both fallbacks, role-order errors."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/chat_template.py").run()
    assert not at.exception
    return at


def test_first_run_shows_chatml_and_counts_tokens_per_role(app):
    assert not app.error and app.success  # SmolLM2's template has a system role
    with_prompt, without = app.code[0].value, app.code[1].value
    assert with_prompt.startswith("<|im_start|>system\nYou are a helpful pirate.<|im_end|>")
    assert with_prompt.endswith("<|im_start|>assistant") and without.endswith("<|im_end|>")
    metrics = {m.label: int(m.value) for m in app.metric}
    assert set(metrics) == {"system tokens", "user tokens", "assistant tokens",
                            "template tokens"}
    total = int(app.subheader[0].value.split()[0])
    assert sum(metrics.values()) == total


@pytest.mark.parametrize("choice, start, note", [
    ("no-system", "<|im_start|>user\nYou are a helpful pirate.\n\nHello!", "no system role"),
    ("none", "System: You are a helpful pirate.\nUser: Hello!", "no chat template"),
])
def test_stand_in_templates_show_the_fallback_instead_of_an_error(app, choice, start, note):
    app.radio(key="tmpl_choice").set_value(choice).run()
    assert not app.exception and not app.error
    assert app.code[0].value.startswith(start)
    assert any(note in w.value for w in app.warning)


def test_two_user_turns_in_a_row_are_explained(app):
    app.session_state["tmpl_messages"] = {"edited_rows": {2: {"role": "user"}},
                                          "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception
    assert "two user messages in a row" in app.error[0].value
