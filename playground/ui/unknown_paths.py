"""Unknown addresses: the app's own "no such page", in the tab's language, with a link home.

Streamlit answers every address it has no route for with its ``index.html``, and that file
loads its scripts relatively (``./static/...``). At ``/nothere`` the scripts still resolve to
``/static/...`` and the app runs, but Streamlit's own English "Page not found" dialog covers the
main page; at ``/a/b/c`` they resolve to ``/a/b/static/...``, which is ``index.html`` again, so
the tab stays blank for good.

``UnknownPaths`` is an ASGI middleware for ``st.App`` (``serve.py``, which ``scripts/run.sh``
serves). It lets every request through to Streamlit and steps in only where Streamlit answered
a GET or HEAD with an HTML page at an address that is neither the app's root nor one of its
pages nor under one of Streamlit's own prefixes: that HTML is the index.html fallback, and it
is replaced by a redirect to the hidden page ``not_found`` with the address asked for and the
original query (``?lang=ja`` keeps the tab's language); the first page's own name
(``/generate``, which Streamlit serves only at the root) goes to the root with its query.
Files, media, components, the health check and anything Streamlit adds later that is not the
HTML fallback pass untouched.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

import streamlit as st

from playground.ui.i18n import t
from playground.ui.text import as_text

NOT_FOUND = "not_found"   # the hidden page's url path (pages/not_found.py)
ASKED = "path"            # its query parameter: the address that was asked for
# Streamlit's own route prefixes (st.App refuses user routes under the first four): their
# answers, HTML or not, are Streamlit's business
RESERVED = ("_stcore/", "media/", "component/", "static/", "app/static/")
HOME = "pages/generate.py"  # app.py's default page, at the app's root
PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


def known_pages(pages_dir: Path = PAGES_DIR) -> frozenset[str]:
    """The url paths Streamlit gives the pages (a file's stem; app.py names them all), and the
    app's root. The first page lives at the root only: its stem is not among them."""
    return frozenset({"", *(p.stem for p in pages_dir.glob("*.py"))} - {Path(HOME).stem})


def _base_path() -> str:
    try:
        base = st.get_option("server.baseUrlPath") or ""
    except Exception:  # no config loaded (a unit test of the middleware alone)
        base = ""
    base = base.strip("/")
    return f"/{base}" if base else ""


def redirect_for(path: str, query: str, base: str = "",
                 pages: frozenset[str] | None = None) -> str | None:
    """Where an HTML answer at ``path`` should send the browser instead, or None to keep it.

    The target is relative to ``path`` (``/a/b/c`` -> ``../../not_found?...``), like
    Streamlit's own redirects, so it still lands right behind a proxy that strips a prefix."""
    pages = known_pages() if pages is None else pages
    inside = not base or path == base or path.startswith(base + "/")
    rel = (path[len(base):] if inside else path).strip("/")
    if rel in pages or any(rel.startswith(prefix) for prefix in RESERVED):
        return None
    root = ("../" * rel.count("/") or "./") if inside else f"{base}/"  # the app's root
    if rel == Path(HOME).stem:  # /generate: Streamlit knows the first page only as the root
        return f"{root}{'?' + query if query else ''}"
    params = urlencode({ASKED: "/" + rel}, quote_via=quote)
    return f"{root}{NOT_FOUND}?{query + '&' if query else ''}{params}"


class UnknownPaths:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app) -> None:
        self.app = app
        self.pages = known_pages()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        target = redirect_for(scope.get("path", ""), query, _base_path(), self.pages)
        if target is None:
            await self.app(scope, receive, send)
            return
        replaced = False

        async def guarded(message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                if message.get("status") == 200 and html:
                    replaced = True
                    await send({"type": "http.response.start", "status": 302,
                                "headers": [(b"location", target.encode("latin-1")),
                                            (b"cache-control", b"no-cache"),
                                            (b"content-length", b"0")]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            elif replaced:  # the fallback's body
                return
            await send(message)

        await self.app(scope, receive, guarded)


def not_found_page() -> None:
    """The hidden page ``not_found``: what was asked for, and the way home."""
    st.title(t("not_found.title"))
    asked = st.query_params.get(ASKED)
    if asked:
        st.markdown(t("not_found.no_page_at", path=as_text(asked[:200])))
    else:
        st.markdown(t("not_found.no_page"))
    st.page_link(HOME, label=t("not_found.home"), icon=":material/home:")
