"""The room board and the participants list in real browser tabs.

Posts come from simulated sessions (written to the room database as the CLI does); the tabs
must show them without a click, as text: no dialog opens and no image is requested.
"""

import csv
import http.server
import io
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from playground.room import board
from playground.room.store import RoomStore
from tests.conftest import ROOT
from tests.e2e.conftest import IDLE, serve, wait_idle

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/board")
RUNNING_ROWS = """() => {
  const keys = new Set();
  for (const b of document.querySelectorAll("[class*='st-key-admin_stop_'] button:not([disabled])")) {
    const el = b.closest("[class*='st-key-admin_stop_']");
    keys.add([...el.classList].find(c => c.startsWith("st-key-admin_stop_")));
  }
  return keys.size === 2 ? [...keys] : null;
}"""


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        _Counter.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def image_server():
    """A local server that records every request (a Markdown image would hit it)."""
    _Counter.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def open_tab(browser, url, path, watch):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.on("dialog", lambda d: (watch["dialogs"].append(d.message), d.dismiss()))
    page.on("request", lambda r: watch["requests"].append(r.url))
    page.goto(f"{url}/{path}")
    wait_idle(page)
    return ctx, page


def wait_for_texts(page, texts, timeout_ms=5000) -> float:
    start = time.monotonic()
    page.wait_for_function("(ts) => ts.every(t => document.body.innerText.includes(t))",
                           arg=texts, timeout=timeout_ms, polling=50)
    return time.monotonic() - start


@pytest.mark.slow  # restarts a server; posts in a browser: test_post_open_browser.py
def test_posts_reach_two_tabs_as_text_within_5_s_and_survive_a_restart(
        browser, tmp_path, image_server):
    db = tmp_path / "room.sqlite3"
    env = {"PLAYGROUND_ROOM_DB": str(db)}
    server = serve(tmp_path, env)
    url = next(server)
    watch = {"dialogs": [], "requests": []}
    tabs = [open_tab(browser, url, "board", watch) for _ in range(2)]
    store = RoomStore(db)
    attack = f"<img src=x onerror=alert(1)> ![a](http://127.0.0.1:{image_server}/x.png)"
    texts = [attack] + [f"simulated post {i} from the room" for i in range(1, 20)]
    for i, text in enumerate(texts):
        board.add_post(store, session=f"sim{i}", page="generate", text=text,
                       name=f"participant {i}", posts_per_minute=4)
    seen_s = [wait_for_texts(page, texts) for _, page in tabs]  # both within 5 s
    latencies = []
    for k in range(5):  # one post at a time: how long until the other tab shows it
        marker = f"latency probe {k}"
        start = time.monotonic()
        board.add_post(store, session="probe", page="rag", text=marker, posts_per_minute=0)
        tabs[1][1].wait_for_function("(t) => document.body.innerText.includes(t)", arg=marker,
                                     timeout=5000, polling=20)
        latencies.append(time.monotonic() - start)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tabs[0][1].screenshot(path=str(SHOTS / "board_two_tabs.png"), full_page=False)
    (SHOTS / "latency.txt").write_text(
        f"20 posts visible in both tabs after {seen_s[0]:.2f} s / {seen_s[1]:.2f} s\n"
        f"one post to another tab: median {statistics.median(latencies):.2f} s, "
        f"max {max(latencies):.2f} s over {len(latencies)} posts\n")
    print((SHOTS / "latency.txt").read_text())
    page = tabs[0][1]
    assert page.locator("[data-testid='stText']", has_text="onerror=alert(1)").count() == 1
    assert page.locator("img[src='x']").count() == 0
    assert watch["dialogs"] == []
    assert _Counter.hits == [] and not [u for u in watch["requests"]
                                        if u.endswith("/x") or "x.png" in u]
    for ctx, _ in tabs:
        ctx.close()

    server.close()  # a server restart: the board is in the database
    server = serve(tmp_path, env)
    url = next(server)
    ctx, page = open_tab(browser, url, "board", watch)
    wait_for_texts(page, texts, timeout_ms=10_000)
    ctx.close()
    server.close()
    out = subprocess.run([sys.executable, "-m", "playground", "room", "export", "--csv",
                          "--db", str(db)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert out.returncode == 0 and {r["text"] for r in rows} >= set(texts)
    assert len(rows) == 25


def set_max_new_tokens(page, fraction: float) -> None:
    """Click the max_new_tokens slider's track at ``fraction`` of its length."""
    slider = page.locator("[data-testid='stSlider']").filter(has_text="max_new_tokens")
    slider.wait_for(timeout=120_000)
    thumb = slider.get_by_role("slider").bounding_box()
    track = slider.bounding_box()
    page.mouse.click(track["x"] + track["width"] * fraction, thumb["y"] + thumb["height"] / 2)
    page.wait_for_timeout(500)
    wait_idle(page)


@pytest.mark.slow  # its own server; AppTest: tests/pages/test_admin_sessions.py
def test_the_admin_lists_two_tabs_and_stopping_one_stops_only_its_request(browser, tmp_path):
    server = serve(tmp_path, {"PLAYGROUND_ADMIN_PASSWORD": "room-secret",
                              "PLAYGROUND_ROOM_DB": str(tmp_path / "room.sqlite3")})
    url = next(server)
    watch = {"dialogs": [], "requests": []}
    try:
        admin_ctx, admin = open_tab(browser, url, "admin", watch)
        admin.get_by_label("Admin password").fill("room-secret")
        admin.get_by_role("button", name="Log in").click()
        admin.get_by_text("Participants", exact=True).wait_for(timeout=60_000)
        tabs = [open_tab(browser, url, "", watch)[1] for _ in range(2)]
        for tab in tabs:
            set_max_new_tokens(tab, 0.25)  # ~130 tokens: long enough to stop, short enough
        for tab in tabs:
            tab.get_by_role("button", name="Generate").click()
        for tab in tabs:
            tab.locator("[data-testid='stMarkdownContainer']:has-text('▌')").first.wait_for(
                timeout=180_000)  # a fresh server loads the model first
        # the rows whose Stop is enabled (a running request); a fragment's redraw may briefly
        # hold two copies of a row, so rows are counted by their key
        running = admin.wait_for_function(RUNNING_ROWS, timeout=30_000, polling=200)
        keys = running.json_value()
        SHOTS.mkdir(parents=True, exist_ok=True)
        admin.screenshot(path=str(SHOTS / "admin_participants.png"), full_page=True)
        admin.locator(f".{keys[0]} button").first.click()
        admin.get_by_text("Stopped 1 request(s)").wait_for(timeout=20_000)
        # the stopped tab says so at once; the other one goes on to its full answer
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            stopped = [tab for tab in tabs if tab.get_by_text("tok/s").count()]
            if stopped:
                break
            admin.wait_for_timeout(250)
        assert len(stopped) == 1 and "stopped" in stopped[0].get_by_text("tok/s").inner_text()
        other = tabs[1 - tabs.index(stopped[0])]
        other.get_by_text("tok/s").wait_for(timeout=400_000)
        caption = other.get_by_text("tok/s").inner_text()
        assert "generated" in caption and "stopped" not in caption
        admin_ctx.close()
    finally:
        server.close()
