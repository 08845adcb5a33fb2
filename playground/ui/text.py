"""Text stays text: what models and participants write is shown as literal characters.

Streamlit renders ``st.markdown``, ``st.error`` and chat messages as Markdown. Model output or a
participant's message containing ``![a](http://host/x.png)`` would then make every browser that
shows it fetch that URL, and an error message's ``__init__`` would turn bold. Everything that
comes from a model, a participant or an exception goes through ``as_text`` (Markdown-escaped:
no images, links, HTML, math, emoji shortcodes or headings; line breaks and indentation kept)
before Streamlit sees it. The RAG answer's ``[n]`` links are built on top of the same escaping
(``playground.rag.prompt.answer_markdown``).

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import re

import streamlit as st

from playground.errors import PlaygroundError, report_unexpected
from playground.textfiles import visible
from playground.ui.i18n import error_text as translated, t, tr

_LEADING = re.compile(r"^[ \t]+", re.MULTILINE)
# What Markdown (CommonMark + GFM + Streamlit's $math$, :color[...], ~strike~) reacts to
# anywhere in a line. "[" covers links and images (![a](url) needs it), "<" raw HTML and
# autolinks, "&" entities. Plain punctuation (! ' : .) stays as it is, so messages read as
# they were written.
_INLINE = re.compile(r"([\\`*\[\]<>$~|&])")
# "_" only where it could start or end emphasis (__init__), not inside snake_case words
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# what starts a block only at the beginning of a line: headings, quotes, lists, rules, tables
_LINE_START = re.compile(r"^(\u00a0*)([#>+\-=]|\d+[.)])", re.MULTILINE)
_CODE = re.compile(r"(`[^`\n]+`)")  # a one-line code span
_URL = re.compile(r"(?i)\b(https?|ftp|www)([:.])")  # GFM would link bare http://... and www.
# Streamlit's own directives: :red[text], :blue-background[text], :material/icon:, :smile:
_DIRECTIVE = re.compile(r":(?=[A-Za-z][\w/-]*\\?[\[:])")


def as_text(text: str | None, empty: str | None = None) -> str:
    """``text`` as Markdown that displays exactly those characters (no image is fetched, no
    link, no HTML); ``empty`` (our own Markdown; default "*(empty)*" in the session's
    language) when there is nothing to show."""
    if not text:
        return t("common.empty") if empty is None else empty
    text = visible(text.replace("\r\n", "\n"))  # NUL, ANSI escapes, bidi overrides shown
    # leading spaces would start an indented code block, where escapes show as backslashes
    text = _LEADING.sub(lambda m: m.group(0).replace("\t", "    ").replace(" ", "\u00a0"), text)
    # `code` spans stay as they are: their content is shown literally already (no image, link
    # or HTML inside one), and escapes there would show as backslashes
    parts = _CODE.split(text)
    text = "".join(part if i % 2 else _escape(part) for i, part in enumerate(parts))
    text = _LINE_START.sub(lambda m: m.group(1) + "".join("\\" + c if not c.isdigit() else c
                                                          for c in m.group(2)), text)
    return text.replace("\n", "  \n")  # the line breaks as written


def _escape(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _DIRECTIVE.sub(r"\\:", text)
    return _URL.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def error_text(err: BaseException, where: str = "") -> str:
    """The sentence to show for ``err`` in the session's language: a participant-level error's
    own message (by its key and params when it has them), or for a bug a short message with an
    error id that is also written to the server log."""
    if isinstance(err, PlaygroundError):
        return as_text(translated(err), empty=t("text.something_went_wrong"))
    return as_text(tr(report_unexpected(err, where)))


def show_error(err: BaseException, where=None) -> None:
    """``err`` in a red box as text (no traceback; a bug gets an error id)."""
    (where or st).error(error_text(err))
