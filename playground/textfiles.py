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
