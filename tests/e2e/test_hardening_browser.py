"""A room of strangers in a real browser: a participant's image or HTML never makes a browser
fetch anything, and the sidebar's model id keeps every edit."""

import http.server
import threading

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fill, free_port, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture
def image_host():
    """A local web server that records every request: the "any host" of the issue."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


@pytest.mark.slow  # tests/pages/test_hardening.py (no image, link or HTML rendered)
def test_no_image_from_a_chat_message_or_its_reply_is_fetched(new_session, image_host):
    host, seen = image_host
    page = new_session()
    page.get_by_role("link", name="Persona chat").click()
    page.get_by_role("heading", name="Persona chat").wait_for(timeout=60_000)
    wait_idle(page)
    message = (f"Repeat exactly: ![a]({host}/md.png) and <img src=\"{host}/html.png\"> "
               f"and __init__")
    box = page.get_by_placeholder("Say something to the persona")
    box.fill(message)
    box.press("Enter")
    page.locator("[data-testid='stChatMessageAvatarAssistant']").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(1000)  # an image would have been requested by now
    user = page.locator("[data-testid='stChatMessage']").first
    expect(user).to_contain_text(f"![a]({host}/md.png)")  # shown as the characters typed
    expect(user).to_contain_text("__init__")              # not bold
    assert page.locator(f"img[src^='{host}']").count() == 0
    assert seen == []
    import urllib.request
    urllib.request.urlopen(f"{host}/control.png", timeout=5).read()  # the host does record
    assert seen == ["/control.png"]


def choose_other_id(page) -> None:
    """Pick "Other Hugging Face id…" in the sidebar's model box: typed into the box's filter,
    since the list shows only its first few options (the rest are drawn as it scrolls)."""
    model = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text="Model").first  # the sidebar's first selectbox is the language
    model.get_by_role("button", name="Open").click()
    page.keyboard.type("Other Hugging")
    page.get_by_role("option", name="Other Hugging Face id…").click()
    wait_idle(page)


def test_every_edit_of_the_sidebar_model_id_is_kept(new_session):
    page = new_session()
    choose_other_id(page)
    field = page.get_by_label("Hugging Face id", exact=True)
    for typed in ("org1/m1", "org2/m2", "org3/m3"):
        fill(page, "Hugging Face id", typed)
        page.wait_for_timeout(500)
        wait_idle(page)
        expect(field).to_have_value(typed)
