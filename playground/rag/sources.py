"""One record for every retrieved passage (web result or document chunk), and safe rendering.

Titles, snippets and documents are untrusted text from the web or from participants: they are
shown as text (Markdown and HTML escaped), and only http/https links are ever made clickable.

Package ``playground.rag``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class Source:
    """A passage the model may cite as [n] (n = its position in the list, from 1).

    title: short label (web page title, or "file.md · chunk 2").
    url: an http(s) link, or None (document chunks have none; see ``location``).
    snippet: the passage text that goes into the prompt.
    origin: "web" or "document".
    location: where it came from, for people: the page's host or "notes.md, lines 3–9".
    score: the retrieval score (BM25 for documents), None for web results.
    """

    title: str
    url: str | None
    snippet: str
    origin: str = "web"
    location: str = ""
    score: float | None = None

    def to_dict(self) -> dict:
        return {"title": self.title, "url": self.url, "snippet": self.snippet,
                "origin": self.origin, "location": self.location, "score": self.score}


def safe_url(url: object) -> str | None:
    """The link if it is an absolute http(s) URL with a host, else None (javascript:, data:,
    relative paths and anything malformed are refused)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(c in url for c in "\r\n\t\x00 "):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def host(url: str | None) -> str:
    return urlsplit(url).netloc if url else ""


# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the
# ones Markdown, GFM and Streamlit's extensions ($ math, :emoji:/:red[...], ~ strike) react to.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def escape_markdown(text: str) -> str:
    """``text`` as literal characters in Streamlit Markdown: no links, images, HTML, math."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    # keep the author's line breaks visible without starting Markdown blocks
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


def link_target(url: str) -> str:
    """A URL that is safe inside Markdown's ``(...)``: spaces, brackets and quotes encoded."""
    return quote(url, safe=":/?#[]@!$&*+,;=%~-._")


def markdown_link(label_md: str, url: str | None, tooltip: str = "") -> str:
    """``[label](url "tooltip")`` for an http(s) url; just the label otherwise.

    ``label_md`` must already be escaped Markdown; the tooltip is plain text.
    """
    target = safe_url(url) if url and not url.startswith("#") else url
    if not target:
        return label_md
    title = tooltip.replace("\\", "").replace('"', "'").replace("\n", " ")[:120]
    title_part = f' "{title}"' if title else ""
    return f"[{label_md}]({link_target(target)}{title_part})"
