"""AppTest for the Persona chat page: turns, regenerate, clear, the prompt, trimming."""

import pytest
from streamlit.testing.v1 import AppTest

from playground.prompting.persona import PERSONAS
from tests.conftest import ROOT


@pytest.fixture
def app(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/persona_chat.py").run()
    assert not at.exception and not at.error
    at.slider(key="persona_max_new_tokens").set_value(8)
    return at


def bubbles(at):
    return [(m.name, m.markdown[0].value) for m in at.chat_message]


def test_turns_pile_up_regenerate_replaces_and_clear_empties(app):
    app.selectbox(key="persona_preset").set_value("Pirate").run()
    assert app.text_area(key="persona_system_Pirate").value == PERSONAS["Pirate"]
    app.chat_input[0].set_value("Hello, who are you?").run()
    app.chat_input[0].set_value("Where is your ship?").run()
    assert not app.exception and not app.error
    assert [r for r, _ in bubbles(app)] == ["user", "assistant", "user", "assistant"]
    assert all(text and text != "*(nothing)*" for _, text in bubbles(app))
    app.toggle(key="persona_show_prompt").set_value(True).run()
    sent = app.code[-1].value
    assert sent.startswith(f"<|im_start|>system\n{PERSONAS['Pirate']}<|im_end|>")
    assert bubbles(app)[1][1] in sent and sent.endswith("Where is your ship?<|im_end|>\n"
                                                       "<|im_start|>assistant")
    app.button[1].click().run()  # Regenerate last reply
    assert not app.exception and len(bubbles(app)) == 4 and bubbles(app)[-1][0] == "assistant"
    app.button[2].click().run()  # Clear chat
    assert bubbles(app) == [] and "Say hello" in app.info[0].value


@pytest.mark.slow  # tests/prompting/test_persona.py: twenty turns trimmed and answered
def test_twenty_turns_never_hit_the_context_limit_and_the_trim_note_appears(app):
    app.slider(key="persona_max_new_tokens").set_value(2)
    app.number_input(key="persona_budget").set_value(192).run()
    for i in range(20):
        app.chat_input[0].set_value(f"Turn {i}: tell me about the sea and the old ships.").run()
        assert not app.exception and not app.error, i
    notes = [i.value for i in app.info if "oldest messages were left out" in i.value]
    assert notes and "192 tokens" in notes[0]
    assert len(bubbles(app)) == 40  # the page still shows the whole conversation
    app.toggle(key="persona_show_prompt").set_value(True).run()
    sent = app.code[-1].value
    assert sent.startswith(f"<|im_start|>system\n{PERSONAS['Kansai-dialect assistant']}")
    assert "Turn 19:" in sent and "Turn 0:" not in sent


def test_a_message_longer_than_the_budget_is_an_error_not_a_crash(app):
    app.number_input(key="persona_budget").set_value(128).run()
    app.chat_input[0].set_value("word " * 200).run()
    assert not app.exception
    assert "more than the 128-token budget" in app.error[0].value
    assert bubbles(app) == []  # the refused message is not kept


def test_each_preset_keeps_its_own_edits(app):
    first = next(iter(PERSONAS))
    app.text_area(key=f"persona_system_{first}").input("You are a terse lighthouse keeper.").run()
    app.selectbox(key="persona_preset").set_value("Pirate").run()
    assert [t.value for t in app.text_area] == [PERSONAS["Pirate"]]
    app.selectbox(key="persona_preset").set_value(first).run()
    assert app.text_area(key=f"persona_system_{first}").value == "You are a terse lighthouse keeper."
    app.toggle(key="persona_show_prompt").set_value(True)
    app.chat_input[0].set_value("Hello").run()
    assert app.code[-1].value.startswith("<|im_start|>system\nYou are a terse lighthouse keeper.")


def test_view_code_shows_the_chat_loop_of_this_conversation(app):
    """Issue 17: the tutorial's chat exercise, as the loop that reproduces the page."""
    app.chat_input[0].set_value("Hello!").run()
    assert not app.exception
    loop = [c.value for c in app.code if "history.append" in c.value]
    assert loop and "apply_chat_template(history" in loop[0] and "'Hello!'" in loop[0]


def test_no_samples_slider_on_persona_chat(app):
    """Issue 26: a chat reply is one text; the samples slider meant nothing here."""
    assert app.radio(key="persona_mode").value == "Sampling"  # the page's default
    keys = {s.key for s in app.sidebar.slider}
    assert "persona_temperature" in keys and "persona_n" not in keys
    assert not any("num_return_sequences" in s.label for s in app.sidebar.slider)
    app.switch_page("pages/generate.py").run()
    app.radio(key="gen_mode").set_value("Sampling").run()
    assert "gen_n" in {s.key for s in app.sidebar.slider}  # Generate keeps it


def test_the_last_reply_is_labelled_and_its_post_carries_the_settings_that_made_it(app):
    from playground.room import board
    from playground.room.store import room_store

    app.chat_input[0].set_value("Hello, who are you?").run()
    assert not app.exception and not app.error
    [label] = [c.value for c in app.caption if "Made with:" in c.value]
    assert "sampling, max_new_tokens 8" in label and "changed since" not in label
    seed = app.session_state["persona_history"][-1]["seed"]
    app.slider(key="persona_max_new_tokens").set_value(30).run()
    [label] = [c.value for c in app.caption if "Made with:" in c.value]
    assert "inputs changed since (max_new_tokens)" in label
    app.button(key="persona_post_go").click().run()
    post = board.list_posts(room_store())[0]
    assert post.page == "persona_chat" and post.inputs["max_new_tokens"] == 8
    assert post.settings["max_new_tokens"] == 8 and post.settings["seed"] == seed
