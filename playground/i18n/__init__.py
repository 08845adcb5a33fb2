"""The two catalogues (English, Japanese) and the one lookup: ``lookup(lang, key, **params)``.

Why TOML files and not gettext ``.po`` + Babel: Python 3.11 reads TOML with the standard
library (no compile step to ``.mo``, no new dependency), a page's strings sit together under
one ``[page]`` table with comments, and a key that is missing is an error a test can see
(gettext falls back to the source string silently, which is how untranslated UIs ship).
Keys are ``page.name``; placeholders are ``str.format`` fields named the same in both
languages (``{tokens}``, ``{seconds:.1f}``).

The language is chosen per session by ``playground.ui.i18n`` (never process-wide); this module
only knows the catalogues. The CLI stays English and does not use them.

Package ``playground.i18n``: may import ``errors`` only.
"""

from __future__ import annotations

import functools
import pathlib
import re
import string
import tomllib

LANGUAGES = ("en", "ja")
DEFAULT = "en"
NAMES = {"en": "English", "ja": "日本語"}
_DIR = pathlib.Path(__file__).resolve().parent


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            out.update(_flatten(value, key + "."))
        else:
            out[key] = str(value)
    return out


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """``key -> text`` of one language, read once per process (read-only afterwards)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    # the main file, then one file per feature in ``<lang>/`` (``ja/finetune.toml``): features
    # built side by side each add their own file, and a key defined twice is an error
    out: dict[str, str] = {}
    for path in [_DIR / f"{lang}.toml", *sorted((_DIR / lang).glob("*.toml"))]:
        with open(path, "rb") as f:
            table = _flatten(tomllib.load(f))
        twice = sorted(set(table) & set(out))
        if twice:
            raise ValueError(f"{path.name} defines keys already defined: {', '.join(twice[:5])}")
        out.update(table)
    return out


def normalize(value: str | None) -> str | None:
    """``"ja"``, ``"ja-JP"``, ``"JA_jp"`` -> ``"ja"``; anything else we do not have -> None."""
    if not value:
        return None
    code = str(value).strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def lookup(lang: str, key: str, **params) -> str:
    """The text of ``key`` in ``lang``, with ``params`` filled in.

    A key missing in ``lang`` falls back to English, then to the key itself, so a page never
    breaks; tests make sure no key is missing. A placeholder the caller did not pass is left as
    written instead of raising (a participant sees ``{name}``, a test sees a failure).
    """
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT).get(key, key)
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text.format_map(_Missing(params))


@functools.cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    """English ``[messages]`` templates as regular expressions: each field matches any text."""
    out = []
    for key, template in catalogue(DEFAULT).items():
        if not key.startswith("messages."):
            continue
        regex = ""
        for literal, field, _, _ in string.Formatter().parse(template):
            regex += re.escape(literal) + (f"(?P<{field}>.+?)" if field else "")
        out.append((re.compile(regex + r"\Z", re.S), key))
    # templates that wrap another message ("link_*": "{name}={shown} ignored: {reason}; using
    # {default}") are tried first: "{name} must be in {range}, got {value}" would match the
    # whole note too, with the wrapper's words inside its fields
    return sorted(out, key=lambda p: not p[1].startswith("messages.link_"))


def translate(lang: str, text: str) -> str:
    """A text made in ``playground/`` (which stays English for the CLI) in ``lang``, looked up
    by its English wording: exactly in ``[playground]``, or as a template in ``[messages]``
    (``"Loading {name} on {device} ({dtype})…"``) with the variable parts carried over, each
    translated in turn. Text with no entry comes back as it is."""
    if lang == DEFAULT or not text:
        return text
    exact = catalogue(lang).get(f"playground.{text}")
    if exact is not None:
        return exact
    for regex, key in _patterns():
        m = regex.match(text)
        if m:
            return lookup(lang, key, **{k: translate(lang, v) for k, v in m.groupdict().items()})
    return text


class _Missing(dict):
    def __missing__(self, name):
        return "{" + name + "}"
