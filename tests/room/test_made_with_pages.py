"""AppTest through app.py: a result's "Made with" line, and a post carrying the inputs and step
of its result; the board's Open lands on them in the same session (the real embedded model, a
few tokens)."""

import pytest

from playground.room import board, broadcast
from playground.room.links import decode_link
from playground.room.store import room_store


@pytest.fixture
def app(nav_app):
    return nav_app()


def made_with(at) -> list[str]:
    return [c.value for c in at.caption if "Made with:" in c.value or "この結果の入力" in c.value]


def generate(at, sampling: bool = False, seed: int = 5, max_new: int = 8):
    if sampling:
        at.radio(key="gen_mode").set_value("Sampling").run()
        at.number_input(key="gen_seed").set_value(seed)
    else:
        at.radio(key="gen_mode").set_value("Greedy")
    at.slider(key="gen_max_new_tokens").set_value(max_new)
    at.button[0].click().run()
    assert not at.exception and not at.error, at.error


def test_a_result_says_what_made_it_and_when_the_inputs_changed_since(app):
    generate(app, sampling=True, seed=5)
    [label] = made_with(app)
    assert "Made with: sampling, max_new_tokens 8, seed 5" in label
    assert "changed since" not in label
    app.number_input(key="gen_seed").set_value(6)
    app.text_area(key="gen_prompt").set_value("Write a haiku about tea.").run()
    [label] = made_with(app)  # the old result, still shown, says it is not these inputs'
    assert "sampling, max_new_tokens 8, seed 5" in label
    assert "inputs changed since (seed, prompt)" in label
    app.number_input(key="gen_seed").set_value(5)
    app.text_area(key="gen_prompt").set_value("Tell me a story about a dragon.").run()
    assert "changed since" not in made_with(app)[0]  # back to the inputs that made it


def test_a_post_carries_the_inputs_and_step_of_its_result_not_of_the_widgets_at_posting(app):
    store = room_store()
    broadcast.publish(store, "/?max_new_tokens=8", "Step 1: greedy")
    generate(app, max_new=8)
    text = app.session_state["gen_last"][0].texts()[0]
    broadcast.publish(store, "/sampling_compare", "Step 2: compare")  # the lesson moves on
    app.radio(key="gen_mode").set_value("Sampling").run()  # the poster plays with the inputs
    app.slider(key="gen_n").set_value(3)
    app.text_area(key="gen_prompt").set_value("Something else entirely.").run()
    app.button(key="gen_post_go").click().run()
    assert any("Posted to the room board" in s.value for s in app.success), app.error
    post = board.list_posts(store)[0]
    assert post.text == text and post.step == "Step 1: greedy"
    page, inputs, notes = decode_link(post.link)
    assert page == "generate" and not notes
    assert inputs["do_sample"] is False and inputs["max_new_tokens"] == 8
    assert inputs["num_return_sequences"] == 1
    assert inputs["prompt"] == "Tell me a story about a dragon."
    assert "do_sample" not in post.link and "Something" not in post.link
    csv_link = board.export_csv([post]).splitlines()[1].rsplit(",", 1)[1]
    assert csv_link == post.link


def test_open_on_the_board_lands_on_the_posts_inputs_in_this_tab_and_regenerates_the_text(
        app, nav_app):
    generate(app, max_new=8)
    text = app.session_state["gen_last"][0].texts()[0]
    app.button(key="gen_post_go").click().run()
    post = board.list_posts(room_store())[0]
    viewer = nav_app("pages/board.py", {"lang": "ja"})  # another participant, in Japanese
    viewer.button(key=f"board_open_{post.id}").click().run()
    assert not viewer.exception
    assert viewer.query_params.get("lang") in ("ja", ["ja"])  # the viewer's language kept
    assert viewer.slider(key="gen_max_new_tokens").value == 8
    assert viewer.radio(key="gen_mode").value == "Greedy"
    # the post's model, though a Japanese tab's Generate starts on gemma-3-270m
    assert viewer.session_state["model_name"] == "smollm2-135m-instruct"
    # AppTest's next run starts from the page it switched to itself (the board); a browser
    # stays on Generate (tests/e2e/test_post_open_browser.py)
    viewer.switch_page("pages/generate.py").run()
    assert viewer.slider(key="gen_max_new_tokens").value == 8
    viewer.button[0].click().run()
    assert viewer.session_state["gen_last"][0].texts()[0] == text
    [label] = made_with(viewer)
    assert "この結果の入力: 貪欲法, max_new_tokens 8" in label and "その後" not in label



def test_compare_and_sweep_label_their_results_with_what_made_them(nav_app):
    at = nav_app("pages/sampling_compare.py", {"columns": "2", "n": "2", "max_new_tokens": "8",
                                               "seed": "7"})
    at.button(key="compare_go").click().run()
    assert not at.exception and not at.error, at.error
    [label] = made_with(at)
    assert "Made with: columns 2, samples 2, max_new_tokens 8, seed 7" in label
    assert "changed since" not in label
    at.selectbox(key="compare_col1_preset").set_value("greedy").run()
    assert "inputs changed since (col2.preset" in made_with(at)[0]
    at = nav_app("pages/sampling_sweep.py", {"top_p": "0.5", "temperature": "1.0", "n": "2",
                                             "max_new_tokens": "8"})
    at.button(key="sweep_go").click().run()
    assert not at.exception and not at.error, at.error
    [label] = made_with(at)
    assert "samples 2, max_new_tokens 8, seed 0" in label and "top_p “0.5”" in label
