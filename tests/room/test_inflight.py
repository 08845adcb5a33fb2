"""Generations cut off by a server restart: a record while one streams, told once afterwards
to the browser that lost it, never to another browser, never for a generation still running."""

import subprocess
import sys
import time

import pytest

from playground.room import inflight
from playground.room.store import RoomStore
from tests.conftest import ROOT

EARLIER_SERVER = """
import os, sys
from playground.room import inflight
from playground.room.store import RoomStore
store = RoomStore(sys.argv[1])
inflight.begin(store, "alice", "tab-1", "sampling_compare")
inflight.begin(store, "alice", "tab-2", "sampling_compare")
inflight.begin(store, "alice", "tab-3", "")
inflight.begin(store, "bob", "tab-4", "")
inflight.end(store, "bob", "tab-4")  # bob's finished before the server died
os._exit(9)  # killed: nothing else runs
"""


@pytest.fixture
def store(tmp_path):
    return RoomStore(tmp_path / "room.sqlite3")


def test_what_a_dead_server_was_generating_is_told_once_to_its_browser(store):
    before = time.time()
    proc = subprocess.run([sys.executable, "-c", EARLIER_SERVER, str(store.path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 9, proc.stderr
    assert inflight.take_interrupted(store, "bob") == []
    assert inflight.take_interrupted(store, "carol") == []
    lost = inflight.take_interrupted(store, "alice")
    assert [i.page for i in lost] == ["sampling_compare", ""]  # one per page, oldest first
    assert all(before <= i.started <= time.time() for i in lost)
    assert inflight.take_interrupted(store, "alice") == []  # told once
    assert store.query("SELECT * FROM inflight") == []


def test_a_generation_still_running_in_this_server_is_not_reported(store):
    inflight.begin(store, "alice", "tab-1", "")
    assert inflight.take_interrupted(store, "alice") == []
    assert len(store.query("SELECT * FROM inflight")) == 1  # still streaming: kept
    inflight.end(store, "alice", "tab-1")
    assert store.query("SELECT * FROM inflight") == []


def test_a_record_that_cannot_be_written_never_breaks_the_generation(store, caplog):
    store.execute("DROP TABLE inflight")
    inflight.begin(store, "alice", "tab-1", "")
    inflight.end(store, "alice", "tab-1")
    assert inflight.take_interrupted(store, "alice") == []
    assert "in-flight" in caplog.text
