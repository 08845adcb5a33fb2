"""AppTest: the sidebar's access-token field appears for every Hub model, catalog ones too."""

import pytest
from streamlit.testing.v1 import AppTest

LLAMA = "meta-llama/Llama-2-7b-chat-hf"
SECRET = "hf_not_a_real_token_123"


def sidebar_only():
    import streamlit as st

    from playground.ui.sidebar import render_sidebar
    render_sidebar()
    st.write("chosen:", st.session_state.get("model"))


def token_fields(app):
    return [t for t in app.text_input if t.key == "hf_token"]


def pick(app, option):
    next(s for s in app.selectbox if s.label == "Model").set_value(option).run()


def test_a_gated_catalog_model_shows_an_empty_password_field_and_never_echoes_it():
    app = AppTest.from_function(sidebar_only, default_timeout=60).run()
    assert not app.exception and not token_fields(app)  # the embedded model needs none
    pick(app, LLAMA)
    fields = token_fields(app)
    assert len(fields) == 1 and fields[0].value == ""  # never pre-filled
    assert fields[0].proto.type == fields[0].proto.PASSWORD  # typed characters are hidden
    fields[0].set_value(SECRET).run()
    assert not any(SECRET in str(e.value) for e in (*app.markdown, *app.caption))


@pytest.mark.parametrize("option, shown", [("Qwen/Qwen2.5-0.5B-Instruct", True),
                                           ("Other Hugging Face id…", True),
                                           ("gemma-3-270m", False)])
def test_any_hub_model_gets_the_field_and_offline_packages_do_not(option, shown):
    app = AppTest.from_function(sidebar_only, default_timeout=60).run()
    pick(app, option)
    assert next(s for s in app.selectbox if s.label == "Model").value == option
    assert not app.exception and bool(token_fields(app)) == shown
