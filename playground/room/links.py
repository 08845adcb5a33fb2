"""Share links: a page and its inputs as a path and a query string, and back.

``encode_link("sampling_compare", {"columns": 2, "seed": 3})`` ->
``/sampling_compare?columns=2&seed=3``. Only inputs that differ from the page's defaults (in a tab of any language) travel.
Short values are plain, readable query parameters; long ones (several lines of templates, a
few-shot set, chat messages) go together into one parameter ``z``: JSON, zlib-compressed,
base64url. Decoding never fails on a bad value: each unknown or out-of-range value is replaced
by its default and named in a note (the settings' own verification writes the reason).

Length: a link stays under ``MAX_LINK`` = 8,000 characters. Browsers take far more (Chromium
about 2 MB, Firefox and Safari 64 KB or more), but a server behind a reverse proxy sees the
request line first, and nginx's default buffer for it (``large_client_header_buffers``) is
8 KB: longer links would break exactly in the workshops that put the playground behind one.

Query parameters that are not inputs (``lang``, Streamlit's ``embed``) are kept as they are and
never reported.

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from playground.textfiles import loads_json
from playground.errors import SettingsError
from playground.room.fields import Field, FieldError, LinkError
from playground.room.langdefaults import LANGUAGES, speaking
from playground.room.pages import PAGES, PageSpec, page_spec
from playground.serving.settings import GenerationSettings

__all__ = ["MAX_LINK", "COMPACT", "PASSTHROUGH", "LinkError", "encode_link", "decode_link",
           "full_inputs", "page_spec", "PAGES"]

MAX_LINK = 8000           # characters of path + query (see the module docstring)
COMPACT = "z"             # the parameter holding the long inputs
PASSTHROUGH = frozenset({"lang", "embed", "embed_options"})  # kept, never read as inputs
PLAIN_MAX = 100           # longer values (or any with a newline) go into the compact part
_INFLATE_MAX = 256 * 1024  # bytes a compact part may inflate to (no zip bombs)


def encode_link(page: str, inputs: dict, keep: dict | None = None,
                given_only: bool = False) -> str:
    """The link (path + query) that opens ``page`` with ``inputs``.

    ``inputs``: input name -> value (typed, or text as on the command line); inputs left out
    keep their defaults. ``keep``: other query parameters to carry along (e.g. ``lang``).
    ``given_only``: only the inputs named in ``inputs`` go into the link (a lesson step): the
    others, the model included, stay each tab's own default (gemma-3-270m in a Japanese tab).
    Raises ``LinkError`` for an unknown page or input, a value the page refuses, or a link
    longer than ``MAX_LINK``.
    """
    spec = page_spec(page)
    names = {f.name for f in spec.fields}
    unknown = sorted(set(inputs) - names)
    if unknown:
        folded = sorted({re.sub(r"^col\d\.", "colN.", n) for n in names})
        raise LinkError(f"{spec.title} has no input {', '.join(map(repr, unknown))}; its inputs "
                        f"are: {', '.join(folded)}")
    values, notes = _resolve(spec, inputs, strict=True)
    if notes:
        raise LinkError("; ".join(notes))
    plain: dict[str, str] = {}
    compact: dict[str, Any] = {}
    for f in spec.fields:
        value = values[f.name]
        if given_only and f.name not in inputs:
            continue
        if value is None or _default_everywhere(f, values, value):
            continue
        shown = f.to_link(value)
        if f.kind == "rows" or (isinstance(shown, str) and ("\n" in shown
                                                            or len(shown) > PLAIN_MAX)):
            compact[f.name] = shown
        else:
            plain[f.name] = shown
    params = {k: v for k, v in (keep or {}).items() if k in PASSTHROUGH}
    params.update(plain)
    if compact:
        params[COMPACT] = _pack(compact)
    link = "/" + spec.url_path + ("?" + urlencode(params, quote_via=quote, safe=",")
                                  if params else "")
    if len(link) > MAX_LINK:
        raise LinkError(f"this step's link would be {len(link):,} characters; a link stops at "
                        f"{MAX_LINK:,} (what a reverse proxy such as nginx accepts by default). "
                        f"Shorten the longest texts (templates, examples, prompts).")
    return link


def _default_everywhere(f, values: dict, value: Any) -> bool:
    """Whether ``value`` is ``f``'s default in a tab of every language (a preset's sliders
    follow the preset chosen). A Japanese tab's gemma and Japanese prompt travel: the link
    opens the same inputs in an English tab too."""
    for lang in LANGUAGES:
        with speaking(lang):
            if f.default_for(values) != value:
                return False
    return True


def decode_link(link: str) -> tuple[str, dict, list[str]]:
    """(page name, every input of the page, one note per value ignored).

    ``link``: a path + query (``/sampling_compare?top_p=0.1``) or a whole URL. Inputs absent
    from the link have their defaults (``None`` where the page decides, e.g. the chat switch
    follows the model). Raises ``LinkError`` only when it is no link to a page at all.
    """
    text = (link or "").strip()
    if len(text) > MAX_LINK:
        raise LinkError(f"the link is {len(text):,} characters; links stop at {MAX_LINK:,}")
    parts = urlsplit(text)
    path = parts.path.rstrip("/").rsplit("/", 1)[-1]
    spec = page_spec(path)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    notes: list[str] = []
    given: dict[str, Any] = {}
    if COMPACT in params:
        try:
            given.update(_unpack(params.pop(COMPACT)))
        except LinkError as err:
            notes.append(str(err))
    names = {f.name for f in spec.fields}
    for name, value in params.items():
        if name in PASSTHROUGH:
            continue
        if name not in names:
            notes.append(f"{name}: {spec.title} has no such input; ignored")
            continue
        given[name] = value
    for name in [n for n in given if n not in names]:
        notes.append(f"{name}: {spec.title} has no such input; ignored")
        del given[name]
    values, value_notes = _resolve(spec, given, strict=False)
    return spec.name, values, notes + value_notes


def full_inputs(page: str, inputs: dict) -> tuple[dict, list[str]]:
    """Every input of ``page``: ``inputs`` checked, the rest at their defaults, plus notes."""
    return _resolve(page_spec(page), inputs, strict=False)


# -- checking -----------------------------------------------------------------------------------

def _resolve(spec: PageSpec, given: dict, strict: bool) -> tuple[dict, list[str]]:
    values: dict[str, Any] = {}
    notes: list[str] = []
    from_link: dict[str, set[str]] = {}
    for f in spec.fields:
        default = f.default_for(values)
        if f.name not in given or given[f.name] is None:
            values[f.name] = default
            continue
        try:
            values[f.name] = f.parse(given[f.name])
            if f.group:
                from_link.setdefault(f.group, set()).add(f.name)
        except FieldError as err:
            values[f.name] = default
            notes.append(_note(f, given[f.name], str(err), default, strict))
    for group, names in from_link.items():
        notes += _check_group(spec, group, names, values, strict)
    return values, notes


def _check_group(spec: PageSpec, group: str, names: set[str], values: dict,
                 strict: bool) -> list[str]:
    """A decoding block as a whole through GenerationSettings (greedy + 3 samples, T = 0 with
    sampling): if it is refused, the block's values from the link go back to their defaults."""
    fields = [f for f in spec.fields if f.group == group]
    settings = {f.settings_name: values[f.name] for f in fields}
    if not settings.get("do_sample", True):
        return []  # greedy: the sampling sliders are not shown, so they cannot conflict
    try:
        GenerationSettings(**settings)
        return []
    except SettingsError as err:
        reason = "; ".join(err.problems)
    reset = []
    for f in fields:
        if f.name in names:
            values[f.name] = f.default_for(values)
            reset.append(f.name)
    if strict:
        return [reason]
    return [f"{', '.join(reset)}: {reason}; using the defaults"]


def _note(f: Field, raw: Any, reason: str, default: Any, strict: bool) -> str:
    if strict:
        return reason
    shown = f"{raw!r}" if len(repr(raw)) <= 40 else repr(raw)[:37] + "…'"
    if default is None:
        return f"{f.name}={shown} ignored: {reason}; the page's own default is used"
    dflt = f.to_link(default)
    dflt = dflt if isinstance(dflt, str) and len(dflt) <= 40 else "the default"
    return f"{f.name}={shown} ignored: {reason}; using {dflt}"


# -- the compact part ---------------------------------------------------------------------------

def _pack(data: dict) -> str:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def _unpack(text: str) -> dict:
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, _INFLATE_MAX)
        if inflater.unconsumed_tail:
            raise LinkError(f"{COMPACT}: the compact part is too large; ignored")
        if not inflater.eof:  # cut short: zlib gives what it has without complaining
            raise ValueError("truncated")
        data = loads_json(raw.decode("utf-8"), COMPACT)  # TextFileError is a ValueError
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
        raise LinkError(f"{COMPACT}: the compact part of the link is damaged (cut short when "
                        f"copied?); its inputs were ignored") from None
    if not isinstance(data, dict):
        raise LinkError(f"{COMPACT}: the compact part of the link is damaged; ignored")
    return data


def default_inputs(spec) -> dict:
    """Every input of a page at its default, in the page's order (a preset decides its
    sliders, the persona its system prompt: later defaults read earlier values)."""
    values: dict = {}
    for f in spec.fields:
        values[f.name] = f.default_for(values)
    return values


def spec_fields(page: str) -> list[Field]:
    """The inputs of ``page`` (for the command line's list and the board)."""
    return list(page_spec(page).fields)

