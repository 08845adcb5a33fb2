"""Command line: one module per command, each with ``register(subparsers)``.

Exit codes: 0 success, 1 a participant-level error (bad setting, unknown model...), 2 usage,
3 a needed outside service is unavailable.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys

from playground.errors import PlaygroundError, report_unexpected

COMMANDS = ["generate", "doctor", "bench", "soak", "chat", "template", "search", "rag",
            "toy", "compare", "sweep", "lens", "bench_compare", "self_bleu",  # Sampling lab
            "quantize",  # Quantization
            "inside",  # Inside the model (and the Tokenizer page's additions)
            "cache", "residency",  # Admin: the Hugging Face cache, the memory budget
            "gpucheck",  # the device check (random-weight models, benchmarks only)
            "room", "link", "lesson",  # the room: board, share links, lesson plans
            "finetune", "dataset"]  # the Fine-tuning page, the room's dataset


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m playground",
        description="LLM workshop playground, headless: the same functions as the pages.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"playground.cli.{name}").register(sub)
    return parser


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def say(message: str) -> None:
    """Progress and diagnostics go to stderr so stdout stays clean for --json."""
    print(message, file=sys.stderr, flush=True)


# options whose value is free text a participant types: "-2+3" or "- a list" is their value
TEXT_OPTIONS = ("--text", "--name", "--prompt", "--system", "--message", "--question")


def text_values(argv: list[str]) -> list[str]:
    """``--text -2+3`` -> ``--text=-2+3``: argparse reads a value that starts with "-" (and is
    not a plain negative number) as an option and refuses the command. A value spelled like an
    option itself (``-x``, ``--json``) is left alone."""
    out, i = [], 0
    while i < len(argv):
        arg = argv[i]
        if (arg in TEXT_OPTIONS and i + 1 < len(argv) and argv[i + 1].startswith("-")
                and not re.fullmatch(r"--[A-Za-z][\w-]*|-[A-Za-z]", argv[i + 1])):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    argv = text_values(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader that left (`| head -1`) shows up here, handled below
        return code
    except PlaygroundError as err:
        say(f"error: {err}")
        return getattr(err, "exit_code", 1)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except BrokenPipeError:  # `... --json | head -1`: the reader left; not an error of ours
        # point stdout at /dev/null so the interpreter's final flush cannot raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left
    except Exception as err:  # noqa: BLE001 - a bug: a short message with an id, no traceback
        say(f"error: {report_unexpected(err, f'python -m playground {args.command}')}")
        return 1
