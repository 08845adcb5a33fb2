"""Real-browser fixtures: one `streamlit run app.py` server per test session, headless Debian
Chromium driven by Playwright (never `playwright install`: it would download a browser).

Each test gets a new browser context, i.e. a new Streamlit session, like a new participant.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from playground.ui.widgets import CURSOR
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Start the app like README's command 1 does (minus setup) on a free local port."""
    yield from serve(tmp_path_factory.mktemp("streamlit"))


@pytest.fixture(scope="session")
def busy_app_url(tmp_path_factory):
    """A second server whose queue holds one request and runs one row at a time."""
    folder = tmp_path_factory.mktemp("streamlit-busy")
    (folder / "playground.toml").write_text(
        "[service]\nmax_queue = 1\nmax_batch_rows = 1\ncontinuous = false\n")
    yield from serve(folder, {"PLAYGROUND_CONFIG": str(folder / "playground.toml")})


SERVER_LOGS = {}  # server url -> its log file (stdout and stderr)


def start_server(folder, port: int, extra_env=None, log_name: str = "server.log"):
    """``streamlit run serve.py`` on ``port`` with the room database in ``folder``:
    (process, url, log file); the caller waits for it (``wait_healthy``) and stops it."""
    log = folder / log_name
    # web search (ddgs) goes through a local port that refuses connections: browser tests never
    # reach the web, and the RAG page's "no web" path is exercised for real
    env = dict(os.environ, HF_HUB_OFFLINE="1", DDGS_PROXY="http://127.0.0.1:9",
               PLAYGROUND_ROOM_DB=str(folder / "room.sqlite3"),  # each server its own room
               PLAYGROUND_ADAPTERS_DIR=str(folder / "adapters"))  # and its own trained adapters
    env.update(extra_env or {})
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}", log


def serve(folder, extra_env=None):
    proc, url, log = start_server(folder, free_port(), extra_env)
    SERVER_LOGS[url] = log
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        text = log.read_text()
        assert "Traceback" not in text, text[-3000:]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_session(browser, app_url):
    """Factory: open the app (optionally at a page path) in a fresh browser context."""
    yield from _sessions(browser, app_url)


@pytest.fixture
def new_busy_session(browser, busy_app_url):
    """Like new_session, on the server with a one-request queue."""
    yield from _sessions(browser, busy_app_url)


def _sessions(browser, url):
    contexts = []

    def open_page(path: str = ""):
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(ctx)
        page = ctx.new_page()
        page.goto(f"{url}/{path}")
        wait_idle(page)
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()


def wait_idle(page, timeout: float = 120_000) -> None:
    """Wait until Streamlit has finished running the script for this page and no text is still
    drawn as streaming. Streamlit briefly reports "not running" between a run and the rerun that
    follows it (a page that reruns after a reply, a Stop), while the last streamed text, cursor
    and all, is still on screen: that moment is not idle."""
    page.wait_for_function("([idle, cursor]) => document.querySelector(idle) !== null"
                           " && !document.body.innerText.includes(cursor)",
                           arg=[IDLE, CURSOR.strip()], timeout=timeout, polling=100)


def fill(page, label: str, text: str) -> None:
    """Type into a text input or area and commit it, as a participant pressing Tab would."""
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Tab")
    page.wait_for_timeout(300)
    wait_idle(page)
