"""Reading participants' and the command line's text files without surprises.

Every file a participant uploads or a CLI option names goes through here: the size is checked
before a byte is read (``/dev/zero`` or a 6 GB log cannot fill the memory), only regular files
are opened (a FIFO would hang, a folder or device is refused), and the bytes are decoded with
the encoding ``charset-normalizer`` detects, so a Shift-JIS or UTF-16 note from a Japanese
workshop reads as text instead of mojibake. Bytes no encoding explains are refused, naming what
was tried.

Top level, just above ``errors``: imports only ``errors`` (so ``cli``, ``rag`` and
``prompting`` can all use it).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from playground.errors import PlaygroundError

DEFAULT_LIMIT_BYTES = 1_000_000  # 1,000 kB, the pages' upload limit


class TextFileError(PlaygroundError, ValueError):
    """A file cannot be read as text: missing, not a regular file, too large, or not text."""


def _kb(n: int) -> str:
    return f"{n / 1000:,.0f} kB"


def read_bytes(path: str | os.PathLike, limit_bytes: int = DEFAULT_LIMIT_BYTES,
               what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit_bytes`` (checked before reading).

    Raises ``TextFileError`` for a missing file, a folder, a FIFO, a device, an unreadable or a
    too-large file; the message names the path as given and never includes a traceback.
    """
    shown = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; we refuse it right after.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise TextFileError(f"the {what} {shown} does not exist") from None
    except IsADirectoryError:
        raise TextFileError(f"the {what} {shown} is a folder, not a file") from None
    except PermissionError:
        raise TextFileError(f"the {what} {shown} cannot be read (permission denied)") from None
    except OSError as err:
        raise TextFileError(f"the {what} {shown} cannot be read "
                            f"({err.strerror or type(err).__name__})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise TextFileError(f"the {what} {shown} is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise TextFileError(f"the {what} {shown} is not a regular file (a pipe, device or "
                                f"socket); give a normal text file")
        if info.st_size > limit_bytes:
            raise TextFileError(f"the {what} {shown} is {_kb(info.st_size)}, more than the "
                                f"limit of {_kb(limit_bytes)}; use a shorter file")
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(limit_bytes + 1)  # a file that grew since fstat is still bounded
    except OSError as err:
        raise TextFileError(f"the {what} {shown} cannot be read "
                            f"({err.strerror or type(err).__name__})") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit_bytes:
        raise TextFileError(f"the {what} {shown} is more than the limit of {_kb(limit_bytes)}; "
                            f"use a shorter file")
    return data


def decode(data: bytes, name: str = "the file") -> str:
    """``data`` as text: UTF-8 (with or without BOM) first, else the encoding
    charset-normalizer detects (Shift-JIS, EUC-JP, UTF-16, ...). Raises ``TextFileError``
    naming the encoding when the bytes are binary or decode only to garbage."""
    if not data:
        return ""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise TextFileError(f"{name} does not look like a text file (no text encoding "
                                f"fits its bytes); save it as UTF-8 text and try again") from None
        text = str(best)
        if "\x00" in text:
            raise TextFileError(f"{name} does not look like a text file (as {best.encoding} it "
                                f"holds control bytes); save it as UTF-8 text and try again")
        return text
    if "\x00" in text:  # valid UTF-8, but NUL bytes: a binary file
        raise TextFileError(f"{name} does not look like a text file (it holds NUL bytes)")
    return text


def read_text(path: str | os.PathLike, limit_bytes: int = DEFAULT_LIMIT_BYTES,
              what: str = "file") -> str:
    """A bounded, regular text file, decoded as ``decode`` does."""
    return decode(read_bytes(path, limit_bytes, what), f"the {what} {Path(path)}")


def is_regular_inside(path: Path, root: Path) -> bool:
    """True for a regular file that is really inside ``root`` (no symlink pointing out)."""
    try:
        if path.is_symlink() or not path.is_file():
            return False
        return path.resolve().is_relative_to(root.resolve())
    except OSError:
        return False


MAX_NESTING = 64  # [ and { levels in a JSON or TOML input: far beyond any real plan or list


def check_nesting(text: str, what: str = "the file", limit: int = MAX_NESTING) -> None:
    """Refuse JSON or TOML nested deeper than ``limit`` before a parser sees it: Python's
    parsers recurse, and ``[[[[…]]]]`` 100,000 levels deep raises RecursionError. Brackets
    inside quoted strings do not count (``"..."`` with backslash escapes, ``'...'`` as-is)."""
    depth = deepest = 0
    quote = None
    escaped = False
    for ch in text:
        if quote is not None:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    raise TextFileError(f"{what} is nested more than {limit} levels deep "
                                        f"([ and {{ inside each other); flatten it")
        elif ch in "]}":
            depth = max(0, depth - 1)


def loads_json(text: str, what: str = "the file"):
    """``json.loads`` after ``check_nesting``."""
    import json

    check_nesting(text, what)
    return json.loads(text)


# bidirectional controls: U+202E would show "exe.live" as "evil.exe" and reorder a whole line
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def visible(text: str) -> str:
    """``text`` with every control character shown instead of obeyed: C0 controls (NUL, ESC
    of ANSI colour codes, ...) as their Unicode symbols (␀, ␛), DEL as ␡, C1 controls and
    bidirectional overrides as ``<U+202E>``. Newlines and tabs stay. For showing what
    participants typed (names, posts) on every screen and in exports; it is stored as typed."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\n\t":
            out.append(ch)
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif 0x80 <= code < 0xA0 or code in _BIDI:
            out.append(f"<U+{code:04X}>")
        else:
            out.append(ch)
    return "".join(out)
