"""Which addresses serve.py's middleware sends to the app's own "no such page", and that it
replaces only Streamlit's index.html fallback (an HTML 200), nothing else, whatever the route."""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playground.ui.unknown_paths import HOME, UnknownPaths, known_pages, redirect_for
from tests.conftest import ROOT

PAGES = frozenset({"", "sampling_compare", "not_found"})


def test_the_first_pages_own_name_goes_to_the_root_with_its_query():
    # Streamlit serves app.py's default page at the root only: at /generate it shows its own
    # English "Page not found" dialog over the page
    assert redirect_for("/generate", "lang=ja&seed=3", "", PAGES) == "./?lang=ja&seed=3"
    assert redirect_for("/room/generate", "", "/room", PAGES) == "./"


def test_pages_root_and_streamlits_own_prefixes_are_left_alone():
    for path in ("/", "/sampling_compare", "/sampling_compare/", "/_stcore/health",
                 "/_stcore/stream", "/static/js/index.js", "/media/abc.png",
                 "/component/x/index.html", "/app/static/a.html"):
        assert redirect_for(path, "", "", PAGES) is None, path


def test_unknown_addresses_go_to_not_found_with_their_query():
    assert redirect_for("/a/b/c", "", "", PAGES) == "../../not_found?path=%2Fa%2Fb%2Fc"
    assert (redirect_for("/nothere", "lang=ja&seed=3", "", PAGES)
            == "./not_found?lang=ja&seed=3&path=%2Fnothere")
    # a page's name under another folder is not that page (its scripts would not load)
    assert redirect_for("/x/sampling_compare", "", "", PAGES) == \
        "../not_found?path=%2Fx%2Fsampling_compare"
    # non-ASCII and odd characters travel percent-encoded (a Location header is latin-1)
    target = redirect_for("/日本/<b>", "", "", PAGES)
    assert target == "../not_found?path=%2F%E6%97%A5%E6%9C%AC%2F%3Cb%3E"
    target.encode("latin-1")


def test_a_base_url_path_is_kept():
    assert redirect_for("/room", "", "/room", PAGES) is None
    assert redirect_for("/room/sampling_compare", "", "/room", PAGES) is None
    assert redirect_for("/room/a/b", "lang=en", "/room", PAGES) == \
        "../not_found?lang=en&path=%2Fa%2Fb"
    # outside the base path Streamlit answers 404 (never replaced); were it HTML, the target is
    # the base path's not_found
    assert redirect_for("/x/y", "", "/room", PAGES) == "/room/not_found?path=%2Fx%2Fy"


def test_known_pages_are_the_files_app_py_registers():
    pages = known_pages()
    app = (ROOT / "app.py").read_text()
    assert "" in pages and "not_found" in pages and "sampling_compare" in pages
    assert all(f'"pages/{name}.py"' in app for name in pages - {""})
    # HOME is app.py's default page, the one Streamlit serves at the root
    default, = re.findall(r'st\.Page\("([^"]+)"(?:(?!st\.Page).)*?default=True', app, re.S)
    assert default == HOME and Path(HOME).stem not in pages


def _call(middleware_app, path, status, content_type, method="GET"):
    sent = []

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type)]})
        await send({"type": "http.response.body", "body": b"<html>", "more_body": True})
        await send({"type": "http.response.body", "body": b"</html>"})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": "http", "method": method, "path": path, "query_string": b"lang=ja"}
    # in a thread of its own: a browser test's event loop may still run on this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, middleware_app(inner)(scope, receive, send)).result()
    return sent


def test_only_an_html_200_at_an_unknown_address_is_replaced():
    sent = _call(UnknownPaths, "/a/b/c", 200, b"text/html; charset=utf-8")
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 302 and sent[1]["body"] == b""
    assert dict(sent[0]["headers"])[b"location"] == b"../../not_found?lang=ja&path=%2Fa%2Fb%2Fc"
    # not HTML (a future route's JSON), not 200, not GET: Streamlit's answer stands, whole
    for status, ctype, method in ((200, b"application/json", "GET"), (404, b"text/html", "GET"),
                                  (200, b"text/html", "POST")):
        sent = _call(UnknownPaths, "/a/b/c", status, ctype, method)
        assert sent[0]["status"] == status and len(sent) == 3
    # a page of the app: untouched
    assert _call(UnknownPaths, "/sampling_compare", 200, b"text/html")[0]["status"] == 200
