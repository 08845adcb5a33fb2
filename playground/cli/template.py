"""``template``: print exactly the string a model receives for some chat messages or a
few-shot prompt (the Chat template and Prompt lab pages show the same string).

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import json
import sys

from playground.serving.chat import render_chat, render_raw
from playground.prompting.inspector import TEMPLATE_CHOICES, inspect_chat, with_template
from playground.cli import print_json, say
from playground.cli.common import add_model_argument, load_model
from playground.textfiles import TextFileError, loads_json, read_text
from playground.errors import PromptError
from playground.prompting.templates import FewShot

FALLBACK_NOTES = {
    "system-merged": "this template has no system role: the system text was merged into the "
                     "first user message",
    "plain-text": "this model has no chat template: the playground sends a plain "
                  "User:/Assistant: transcript",
}


def register(sub) -> None:
    p = sub.add_parser("template", help="print the exact model input for messages or few-shot",
                       description="Render chat messages (or a few-shot prompt) the way the "
                                   "playground sends them to the model.")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--messages", metavar="FILE.json",
                      help='a JSON list of {"role": ..., "content": ...} (or {"messages": [...]})')
    what.add_argument("--few-shot", metavar="FILE.json",
                      help="a few-shot prompt as the Prompt lab page downloads it")
    p.add_argument("--as", dest="view", choices=["text", "chat"], default=None,
                   help="few-shot as plain text or as chat turns (default: chat for chat "
                        "models, text for base models)")
    p.add_argument("--shots", type=int, default=None,
                   help="use only the first N few-shot examples (0 = zero-shot)")
    p.add_argument("--no-generation-prompt", action="store_true",
                   help="leave out the assistant header that asks the model to answer")
    p.add_argument("--template", choices=list(TEMPLATE_CHOICES), default="own",
                   help="own (default), or a stand-in: no-system / none")
    add_model_argument(p)
    p.add_argument("--json", action="store_true",
                   help="one JSON object: text, fallback, tokens per role")
    p.set_defaults(func=run)


def read_json(path: str, what: str):
    try:  # bounded, regular files only, encoding detected: /dev/zero or a FIFO cannot hang it
        return loads_json(read_text(path, what=f"{what} file"), f"the {what} file {path}")
    except TextFileError as err:
        raise PromptError(str(err)) from None
    except json.JSONDecodeError as err:
        raise PromptError(f"{path} is not valid JSON ({err})") from None


def read_messages(path: str) -> list[dict]:
    data = read_json(path, "messages")
    if isinstance(data, dict):
        data = data.get("messages")
    if not isinstance(data, list) or not all(isinstance(m, dict) for m in data):
        raise PromptError(f'{path} must hold a JSON list of {{"role": ..., "content": ...}} '
                          f'objects')
    return data


def few_shot_prompt(path: str, shots: int | None) -> FewShot:
    few = FewShot.from_dict(read_json(path, "few-shot"))
    if shots is not None:
        if shots < 0:
            raise PromptError(f"--shots must be 0 or more, got {shots}")
        few = few.with_shots(shots)
    return few


def run(args) -> int:
    # the files first: a bad path is reported before a model is loaded for nothing
    messages = read_messages(args.messages) if args.messages else None
    few = None if args.messages else few_shot_prompt(args.few_shot, args.shots)
    loaded = load_model(args.model)
    tokenizer = with_template(loaded.tokenizer, args.template)
    generation_prompt = not args.no_generation_prompt
    if few is not None:
        view = args.view or ("chat" if loaded.is_chat else "text")
        if view == "text":
            rendered = render_raw(few.as_text())
            count = len(loaded.service.tokenize(rendered))
            if args.json:
                print_json({"model": loaded.name, "view": "text", "text": rendered.text,
                            "fallback": None, "tokens": count})
            else:
                _write(rendered.text)
                say(f"[{count} tokens, plain text]")
            return 0
        messages = few.as_messages()
    if generation_prompt:
        inspection = inspect_chat(tokenizer, messages, lock=loaded.tokenizer_lock)
        rendered, counts = inspection.rendered, inspection.counts()
    else:
        with loaded.tokenizer_lock:
            rendered = render_chat(tokenizer, messages, add_generation_prompt=False)
        counts = {"total": len(loaded.service.tokenize(rendered))}
    if args.json:
        print_json({"model": loaded.name, "view": "chat", "text": rendered.text,
                    "fallback": rendered.fallback, "tokens": counts})
        return 0
    _write(rendered.text)
    if rendered.fallback:
        say(f"note: {FALLBACK_NOTES[rendered.fallback]}")
    say("[" + ", ".join(f"{role} {n}" for role, n in counts.items()) + " tokens]")
    return 0


def _write(text: str) -> None:
    """The string exactly, plus a final newline only when it has none (for the shell)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
