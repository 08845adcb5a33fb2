"""AppTest: "Post to the room" on Generate, the Board page (text only, filters, instructor)."""

from playground.room import board
from playground.room.store import room_store

XSS = "<img src=x onerror=alert(1)> ![a](http://127.0.0.1:9/x.png) **bold**"


def texts(at) -> list[str]:
    return [t.value for t in at.text]


def test_a_generated_sample_is_posted_with_its_settings_and_reaches_the_board(app):
    app.slider(key="gen_max_new_tokens").set_value(10)
    app.button[0].click().run()
    assert not app.exception and not app.error
    app.text_input(key="gen_post_name").set_value("Mika")
    app.button(key="gen_post_go").click().run()
    assert any("Posted to the room board" in s.value for s in app.success), app.error
    post = board.list_posts(room_store())[0]
    assert post.name == "Mika" and post.page == "generate" and post.text
    assert post.settings["max_new_tokens"] == 10 and post.settings["do_sample"] is False
    assert post.link.startswith("/?") and "max_new_tokens=10" in post.link
    app.switch_page("pages/board.py").run()
    assert not app.exception and app.title[0].value == "Room board"
    assert post.text in texts(app)


def test_posts_are_drawn_as_text_and_filtered_by_page(app):
    board.add_post(room_store(), session="other", page="rag", text=XSS, name="<b>Eve</b>",
                   posts_per_minute=0)
    app.switch_page("pages/board.py").run()
    assert XSS in texts(app)
    assert any("<b>Eve</b>" in t for t in texts(app))  # the name, too, is plain text
    assert not any(XSS in m.value for m in app.markdown)
    app.selectbox(key="board_page").set_value("generate").run()
    assert XSS not in texts(app)


def test_the_instructor_can_hide_a_post_and_participants_no_longer_see_it(app):
    p = board.add_post(room_store(), session="other2", page="generate", text="hide me please",
                       posts_per_minute=0)
    app.session_state["admin_ok"] = True
    app.switch_page("pages/board.py").run()
    assert app.button(key=f"board_hide_{p.id}")
    app.button(key=f"board_hide_{p.id}").click().run()
    assert board.get_post(room_store(), p.id).hidden
    app.session_state["admin_ok"] = False
    app.run()
    assert "hide me please" not in texts(app)


def test_compare_posts_draw_the_rooms_sweep_chart(app):
    for tp, bleu in ((0.5, 70.0), (0.9, 40.0)):
        board.add_post(room_store(), session=f"chart{tp}", page="sampling_compare",
                       text="a column", metric_name="Self-BLEU", metric=bleu,
                       settings={"do_sample": True, "top_p": tp, "temperature": 1.0},
                       posts_per_minute=0)
    app.switch_page("pages/board.py").run()
    assert not app.exception
    assert any("The room's sweep" in c.value for c in app.caption)


def test_control_characters_and_bidi_overrides_in_a_post_are_shown_not_obeyed(app):
    """U+202E would draw 'exe.live' as 'evil.exe'; ESC starts an ANSI colour; NUL cuts text."""
    board.add_post(room_store(), session="other3", page="generate", name="Mika\u202eexe.live",
                   text="red\x1b[31m alert\x00 end :red[red]", posts_per_minute=0)
    app.switch_page("pages/board.py").run()
    shown = "\n".join(texts(app) + [m.value for m in app.markdown] + [c.value for c in app.caption])
    assert "red␛[31m alert␀ end :red[red]" in texts(app)
    assert "Mika<U+202E>exe.live" in shown
    assert not any(c in shown for c in "\u202e\x1b\x00")


def test_a_post_made_from_a_prompt_becomes_an_example_of_the_room_s_dataset(app):
    from playground.room import examples

    made = board.add_post(room_store(), session="other", page="generate", text="Once upon",
                          inputs={"prompt": "Tell me a story"}, posts_per_minute=0)
    board.add_post(room_store(), session="other", page="board", text="no prompt here",
                   posts_per_minute=0)
    app.switch_page("pages/board.py").run()
    buttons = [b.key for b in app.button if (b.key or "").startswith("board_example_")]
    assert buttons == [f"board_example_{made.id}"]  # only the post that has a prompt
    app.button(key=f"board_example_{made.id}").click().run()
    assert not app.exception
    (e,) = examples.list_examples(room_store())
    assert (e.prompt, e.response, e.status) == ("Tell me a story", "Once upon", "pending")
