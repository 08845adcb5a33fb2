"""The room's step: replaced by a new one, cleared, kept across a server restart, shown in
every tab by the banner; only the instructor gets the share controls."""

import os
import subprocess
import sys

import pytest

from playground.room import broadcast
from playground.room.links import LinkError, encode_link
from playground.room.store import RoomStore
from tests.conftest import ROOT

STEP = encode_link("compare", {"columns": 2, "seed": 3})


@pytest.fixture
def store(tmp_path):
    s = RoomStore(tmp_path / "room.sqlite3")
    yield s
    s.close()


def test_a_new_broadcast_replaces_the_old_and_moves_the_counter(store):
    assert broadcast.current(store) is None and broadcast.version(store) == 0
    first = broadcast.publish(store, STEP, "first")
    second = broadcast.publish(store, "/sampling_toy?temperature=1.5", "second")
    assert second.version > first.version == 1 and broadcast.version(store) == second.version
    assert broadcast.current(store).note == "second" and broadcast.current(store).page == \
        "sampling_toy"
    assert store.one("SELECT COUNT(*) AS n FROM broadcast")["n"] == 1


def test_clearing_removes_the_step_and_still_moves_the_counter(store):
    broadcast.publish(store, STEP, "x")
    before = broadcast.version(store)
    broadcast.clear(store)
    assert broadcast.current(store) is None and broadcast.version(store) == before + 1


def test_a_link_to_no_page_or_a_long_note_is_refused(store):
    with pytest.raises(LinkError):
        broadcast.publish(store, "/nowhere?x=1", "note")
    with pytest.raises(LinkError, match="at most 300"):
        broadcast.publish(store, STEP, "n" * 301)
    assert broadcast.current(store) is None


def test_the_broadcast_survives_a_server_restart(tmp_path):
    """One process shares the step and exits (the server before its restart); a new process
    (the restarted server) reads the same step from the room file."""
    path = tmp_path / "room.sqlite3"
    code = ("import sys; from playground.room.store import RoomStore; "
            "from playground.room import broadcast; "
            "broadcast.publish(RoomStore(sys.argv[1]), sys.argv[2], 'after the restart')")
    subprocess.run([sys.executable, "-c", code, str(path), STEP], cwd=ROOT, check=True,
                   env=dict(os.environ))
    code = ("import sys; from playground.room.store import RoomStore; "
            "from playground.room import broadcast; "
            "b = broadcast.current(RoomStore(sys.argv[1])); print(b.link, '|', b.note)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, check=True,
                         capture_output=True, text=True, env=dict(os.environ)).stdout
    assert out.strip() == f"{STEP} | after the restart"


def test_every_tab_shows_the_step_after_a_restart_and_only_the_instructor_can_share(
        nav_app, monkeypatch, tmp_path):
    import playground.room.store as room

    path = tmp_path / "room.sqlite3"
    monkeypatch.setenv("PLAYGROUND_ROOM_DB", str(path))
    code = ("import sys; from playground.room.store import RoomStore; "
            "from playground.room import broadcast; "
            "broadcast.publish(RoomStore(sys.argv[1]), sys.argv[2], 'Compare two top_p')")
    subprocess.run([sys.executable, "-c", code, str(path), STEP], cwd=ROOT, check=True)
    monkeypatch.setattr(room, "_stores", {})  # this process opens the room file afresh
    participant = nav_app()
    banner = [m.value for m in participant.markdown if "From the instructor" in m.value]
    assert banner and "Compare two top\\_p" in banner[0]
    assert any(b.label == "Open" for b in participant.button)
    assert not [b for b in participant.button if b.key in ("room_share", "room_next")]

    instructor = nav_app(state={"admin_ok": True})
    assert not [m for m in instructor.markdown if "From the instructor" in m.value]
    assert any("The room sees your step" in c.value for c in instructor.caption)
    instructor.text_input(key="room_note").set_value("Seed 9 now")
    instructor.button(key="room_share").click().run()
    assert not instructor.exception and not instructor.error
    step = broadcast.current(room.room_store())
    assert step.note == "Seed 9 now" and step.page == "generate"
    instructor.button(key="room_clear").click().run()
    assert broadcast.current(room.room_store()) is None
