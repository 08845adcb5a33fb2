"""Unknown addresses in a real browser (serve.py, like scripts/run.sh): the app's own "no such
page" in the tab's language with a link home, within seconds; the app's pages, share links'
queries and the health check are untouched."""

import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.browser

CASES = [  # address, heading, sentence, link home, home page's heading
    ("a/b/c", "No such page", "There is no page at /a/b/c in the playground.",
     "Go to the playground's first page", "Generate"),
    ("nothere", "No such page", "There is no page at /nothere in the playground.",
     "Go to the playground's first page", "Generate"),
    ("a/b/c?lang=ja", "ページが見つかりません", "プレイグラウンドに /a/b/c というページはありません。",
     "プレイグラウンドの最初のページへ", "生成"),
    ("nothere?lang=ja", "ページが見つかりません",
     "プレイグラウンドに /nothere というページはありません。",
     "プレイグラウンドの最初のページへ", "生成"),
]


@pytest.mark.parametrize("address, heading, sentence, home, home_heading", CASES,
                         ids=[c[0] for c in CASES])
def test_an_unknown_address_lands_on_the_apps_no_such_page(new_session, app_url, address,
                                                           heading, sentence, home,
                                                           home_heading):
    start = time.monotonic()
    page = new_session(address)  # waits until the script run is over
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert time.monotonic() - start < 30  # was: a blank "Streamlit" tab for good
    assert page.title() != "Streamlit"
    expect(page.get_by_text(sentence, exact=True)).to_be_visible()
    assert "Page not found" not in page.inner_text("body")  # Streamlit's own English dialog
    page.get_by_role("link", name=home).click()
    expect(page.get_by_role("heading", name=home_heading, exact=True)).to_be_visible(
        timeout=30_000)
    wait_idle(page)
    assert page.url.split("?")[0] == f"{app_url}/"
    assert heading not in page.inner_text("body")


def test_the_first_pages_file_name_opens_the_first_page_without_streamlits_dialog(new_session,
                                                                                 app_url):
    page = new_session("generate?lang=ja&foo=bar")  # the name a participant would guess
    expect(page.get_by_role("heading", name="生成", exact=True)).to_be_visible()
    assert "Page not found" not in page.inner_text("body")  # Streamlit's English dialog
    assert page.url == f"{app_url}/?lang=ja&foo=bar"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read(), r.headers
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), b"", err.headers


def test_pages_share_links_and_health_are_untouched(new_session, app_url):
    page = new_session("?lang=en")
    hrefs = page.locator("[data-testid='stSidebarNav'] a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) >= 14, hrefs
    for href in hrefs:  # every page of the navigation, with a share link's kind of query
        path = href.replace(app_url, "").lstrip("/")
        status, ctype, _, _ = _get(f"{app_url}/{path}?lang=ja&seed=7&z=abc")
        assert (status, ctype.split(";")[0]) == (200, "text/html"), href
    assert _get(f"{app_url}/_stcore/health")[:3] == (200, "text/plain; charset=utf-8", b"ok")
    status, _, _, headers = _get(f"{app_url}/a/b/c?lang=ja")
    assert status == 302
    assert headers["Location"] == "../../not_found?lang=ja&path=%2Fa%2Fb%2Fc"
    # Streamlit's own files and routes answer as before, not with a redirect
    assert _get(f"{app_url}/favicon.png")[:2] == (200, "image/png")
    assert _get(f"{app_url}/media/nothing.png")[0] == 404
