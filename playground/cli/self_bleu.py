"""``self-bleu``: score texts you already have, in either Self-BLEU mode.

FILE is a JSON list of strings, scored exactly as they are (``--prompt`` is put before each
one, as ``pipeline`` returns prompt + continuation). Prints each text's Self-BLEU, the average
and the mode.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import json
import os
import stat

from playground.textfiles import TextFileError, loads_json
from playground.cli import print_json
from playground.errors import SettingsError
from playground.lab.metrics import (DEFAULT_SELF_BLEU_MODE, SELF_BLEU_HELP, SELF_BLEU_MODES,
                                    self_bleu_scores, tokenization, with_prompt)

MAX_FILE_BYTES = 2 * 2**20  # 2 MiB: thousands of samples; a bigger file is refused unread
MAX_TEXTS = 1000            # Self-BLEU is quadratic in the number of texts


def read_texts(path: str, max_bytes: int | None = None) -> list[str]:
    """The JSON list of strings in ``path``: a regular file of at most ``max_bytes`` (default
    ``MAX_FILE_BYTES``), UTF-8.

    Raises ``SettingsError`` (a message, never a traceback) for a missing file, something that
    is not a regular file, a file over the limit, bytes that are not UTF-8, invalid JSON, or
    JSON that is not a list of strings. The size is checked before anything is read, and the
    read itself stops at the limit (the file may grow in between).
    """
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        info = os.stat(path)
    except OSError:
        raise SettingsError([f"{path}: no such file"]) from None
    if not stat.S_ISREG(info.st_mode):
        raise SettingsError([f"{path}: not a regular file"])
    if info.st_size > max_bytes:
        raise SettingsError([f"{path}: {info.st_size:,} bytes, more than the "
                             f"{max_bytes:,}-byte limit"])
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as err:
        raise SettingsError([f"{path}: cannot be read ({err.strerror})"]) from None
    if len(data) > max_bytes:
        raise SettingsError([f"{path}: more than the {max_bytes:,}-byte limit"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SettingsError([f"{path}: not UTF-8 text (byte {err.start})"]) from None
    try:
        texts = loads_json(text, path)
    except TextFileError as err:
        raise SettingsError([str(err)]) from None
    except json.JSONDecodeError as err:
        raise SettingsError([f"{path}: not valid JSON ({err.msg}, line {err.lineno})"]) from None
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise SettingsError([f"{path}: must hold a JSON list of strings, e.g. "
                             f'["first text", "second text"]'])
    if len(texts) > MAX_TEXTS:
        raise SettingsError([f"{path}: {len(texts):,} texts; at most {MAX_TEXTS:,}"])
    return texts


def register(sub) -> None:
    p = sub.add_parser("self-bleu", help="Self-BLEU of the texts in a JSON file",
                       description="FILE is a JSON list of texts, scored exactly as they are. "
                                   + " ".join(f"{m}: {h}." for m, h in SELF_BLEU_HELP.items()))
    p.add_argument("file", metavar="FILE", help="a JSON list of strings")
    p.add_argument("--mode", choices=SELF_BLEU_MODES, default=DEFAULT_SELF_BLEU_MODE)
    p.add_argument("--prompt", default=None,
                   help="put before each text, as pipeline returns prompt + continuation")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    texts = read_texts(args.file)
    if len(texts) < 2:
        raise SettingsError([f"{args.file}: Self-BLEU compares texts with each other: give at "
                             f"least 2 (got {len(texts)})"])
    scored = with_prompt(texts, args.prompt)
    tokenize = tokenization(scored)  # ja-mecab for Japanese text, else 13a
    scores = self_bleu_scores(scored, tokenize=tokenize, mode=args.mode)
    average = sum(scores) / len(scores)
    if args.json:
        print_json({"mode": args.mode, "prompt": args.prompt, "tokenization": tokenize,
                    "scores": [round(s, 2) for s in scores], "average": round(average, 2)})
        return 0
    print(f"mode: {args.mode} ({SELF_BLEU_HELP[args.mode]})")
    print(f"tokenization: {tokenize}")
    for i, score in enumerate(scores, start=1):
        print(f"Self-BLEU for text {i}: {score:.2f}")
    print(f"Average Self-BLEU: {average:.2f}")
    return 0
