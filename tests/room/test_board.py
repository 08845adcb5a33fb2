"""The room board on a real database file: limits, order, filters, flags, exports, the sweep."""

import csv
import io
import json

import pytest

from playground.errors import BoardError
from playground.room import board
from playground.room.links import decode_link
from playground.room.store import RoomStore

XSS = "<img src=x onerror=alert(1)> ![a](http://127.0.0.1:9/x.png)"


@pytest.fixture
def store(tmp_path):
    return RoomStore(tmp_path / "room.sqlite3")


def post(store, session="s1", **kw):
    kw.setdefault("page", "generate")
    kw.setdefault("text", "Once upon a time")
    return board.add_post(store, session=session, posts_per_minute=0, **kw)


def test_a_post_keeps_everything_and_bumps_the_board_counter(store):
    before = store.version("board")
    p = post(store, name="  Mika \n ", model="smollm2-135m-instruct",
             settings={"do_sample": True, "top_p": 0.9, "seed": 7}, metric_name="distinct-2",
             metric=0.8, inputs={"seed": 7})
    assert store.version("board") == before + 1
    again = board.get_post(store, p.id)
    assert again == p and p.name == "Mika" and p.settings["seed"] == 7 and p.metric == 0.8
    page, inputs, _ = decode_link(p.link)
    assert page == "generate" and inputs["seed"] == 7


def test_the_text_is_stored_exactly_as_typed(store):
    assert post(store, text=XSS).text == XSS


def test_posts_over_8_kb_or_empty_are_refused(store):
    with pytest.raises(BoardError, match="at most 8 kB; this one is 8.1 kB"):
        post(store, text="x" * 8300)
    with pytest.raises(BoardError, match="at most 8 kB"):
        post(store, text="ド" * 2800)  # 3 bytes each in UTF-8: the limit is in bytes
    with pytest.raises(BoardError, match="nothing to post"):
        post(store, text="  \n")
    assert board.list_posts(store) == []


def test_a_session_may_post_a_few_times_a_minute_and_others_are_unaffected(store):
    for i in range(3):
        board.add_post(store, session="a", page="generate", text=f"t{i}", posts_per_minute=3,
                       now=1000.0 + i)
    with pytest.raises(BoardError, match=r"3 times a minute.*try again in 58 s"):
        board.add_post(store, session="a", page="generate", text="t3", posts_per_minute=3,
                       now=1002.0)
    board.add_post(store, session="b", page="generate", text="b", posts_per_minute=3,
                   now=1002.0)
    board.add_post(store, session="a", page="generate", text="later", posts_per_minute=3,
                   now=1060.5)


def test_newest_first_pinned_on_top_and_filters_by_page_and_step(store):
    first = post(store, text="first")
    store.execute("INSERT INTO broadcast (id, version, link, note, created) VALUES "
                  "(1, 1, '/generate', 'Step 2: top_p', 0)")
    second = post(store, text="second", page="rag")
    third = post(store, text="third")
    assert [p.text for p in board.list_posts(store)] == ["third", "second", "first"]
    assert second.step == "Step 2: top_p" and first.step == ""
    board.set_flag(store, first.id, "pinned", True)
    assert [p.text for p in board.list_posts(store)] == ["first", "third", "second"]
    assert [p.text for p in board.list_posts(store, page="rag")] == ["second"]
    assert [p.text for p in board.list_posts(store, step="Step 2: top_p")] == ["third",
                                                                               "second"]
    assert board.steps(store) == ["Step 2: top_p"]
    board.set_flag(store, third.id, "hidden", True)
    assert "third" not in [p.text for p in board.list_posts(store)]
    assert "third" in [p.text for p in board.list_posts(store, include_hidden=True)]
    assert board.clear(store) == 3 and board.list_posts(store, include_hidden=True) == []


def test_csv_and_json_exports_hold_every_post_and_defuse_formulas(store):
    for i in range(20):
        post(store, session=f"s{i}", text=f"post {i}" if i else "=HYPERLINK(\"http://x\")")
    posts = board.list_posts(store, include_hidden=True)
    rows = list(csv.DictReader(io.StringIO(board.export_csv(posts))))
    assert len(rows) == 20 and {r["text"] for r in rows} >= {f"post {i}" for i in range(1, 20)}
    assert "'=HYPERLINK(\"http://x\")" in {r["text"] for r in rows}
    assert len(json.loads(board.export_json(posts))) == 20


def test_compare_posts_build_the_rooms_sweep(store):
    for tp, t, bleu in ((0.9, 1.0, 40), (0.9, 1.0, 60), (0.1, 1.0, 95)):
        post(store, page="sampling_compare", metric_name="Self-BLEU", metric=bleu,
             settings={"do_sample": True, "top_p": tp, "temperature": t})
    post(store, page="sampling_compare", metric_name="Self-BLEU", metric=100,
         settings={"do_sample": False, "top_p": 1.0, "temperature": 1.0})  # greedy: left out
    post(store, page="generate", metric_name="Self-BLEU", metric=10,
         settings={"do_sample": True, "top_p": 0.5, "temperature": 1.0})  # not Compare
    assert board.room_sweep(board.list_posts(store)) == [
        {"top_p": 0.1, "temperature": 1.0, "Self-BLEU": 95.0, "posts": 1},
        {"top_p": 0.9, "temperature": 1.0, "Self-BLEU": 50.0, "posts": 2}]


def test_posts_survive_reopening_the_file(tmp_path):
    path = tmp_path / "room.sqlite3"
    post(RoomStore(path), text="kept")
    assert [p.text for p in board.list_posts(RoomStore(path))] == ["kept"]


def test_what_was_typed_is_stored_as_typed_and_exported_with_controls_made_visible(store):
    p = post(store, name="Mika\u202eexe.live", text="red\x1b[31m alert\x00 end\nline 2")
    assert (board.get_post(store, p.id).name, board.get_post(store, p.id).text) == (
        "Mika\u202eexe.live", "red\x1b[31m alert\x00 end\nline 2")
    row, = csv.DictReader(io.StringIO(board.export_csv([p])))
    assert row["name"] == "Mika<U+202E>exe.live"
    assert row["text"] == "red␛[31m alert␀ end\nline 2"  # newlines stay
    shown, = json.loads(board.export_json([p]))
    assert (shown["name"], shown["text"]) == (row["name"], row["text"])
