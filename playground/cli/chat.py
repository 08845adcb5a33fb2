"""``chat``: talk to a persona in the terminal (interactive), or send ``--message`` turns from
a script. Same persona presets, history fitting and service as the Persona chat page.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import sys

from playground.cli import print_json, say
from playground.cli.common import (add_model_argument, add_settings_arguments, load_model,
                                   settings_from_args)
from playground.errors import PlaygroundError
from playground.prompting.persona import (CUSTOM, PERSONAS, chat_request, persona_prompt,
                                          reply_settings)

HELP = "commands: /clear (forget the conversation), /prompt (show what was sent), /quit"


def register(sub) -> None:
    p = sub.add_parser("chat", help="chat with a persona (interactive, or --message for scripts)",
                       description="Multi-turn chat through the model's chat template. "
                                   + HELP)
    who = p.add_mutually_exclusive_group()
    who.add_argument("--persona", default=None,
                     help="a preset: " + ", ".join(k for k in PERSONAS if k != CUSTOM))
    who.add_argument("--system", default=None, help="your own system prompt")
    p.add_argument("--message", action="append", default=[],
                   help="send this message, print the reply and exit (repeat for several turns)")
    p.add_argument("--budget", type=int, default=None,
                   help="tokens for prompt + reply (default: the model's context); older turns "
                        "are left out beyond it")
    add_model_argument(p)
    add_settings_arguments(p)
    p.set_defaults(temperature=0.7, top_p=0.9, max_new_tokens=128)
    p.add_argument("--json", action="store_true", help="with --message: print the transcript")
    p.set_defaults(func=run)


class ChatSession:
    """One terminal conversation: the history and the last prompt sent."""

    def __init__(self, loaded, system: str, settings, budget: int | None):
        self.loaded, self.system, self.settings, self.budget = loaded, system, settings, budget
        self.turns: list[dict] = []
        self.notes: list[str] = []
        self.last_prompt: str | None = None
        self.replies = 0  # reply n samples with seed + n

    def reply(self, message: str, out=None) -> str:
        """Send ``message``, stream the reply to ``out`` (if given), and keep both turns."""
        turns = self.turns + [{"role": "user", "content": message}]
        settings = reply_settings(self.settings, self.replies)
        request, fitted = chat_request(self.loaded, self.system, turns, settings, self.budget)
        self.replies += 1
        if fitted.note:
            say(f"note: {fitted.note}")
            self.notes.append(fitted.note)
        handle = self.loaded.service.submit(request)
        try:
            for _row, delta in handle.stream():
                if out is not None:
                    out.write(delta)
                    out.flush()
        except KeyboardInterrupt:  # Ctrl-C stops this reply only; the chat goes on
            handle.cancel()
            say("\n(stopped)")
        result = handle.result()
        self.last_prompt = result.rendered[0].text
        text = result.samples[0].text
        self.turns = turns + [{"role": "assistant", "content": text}]
        return text


def run(args) -> int:
    settings = settings_from_args(args)
    system = persona_prompt(args.persona) if args.persona else (args.system or "")
    loaded = load_model(args.model)
    session = ChatSession(loaded, system, settings, args.budget)
    if args.message:
        for message in args.message:
            text = session.reply(message, out=None if args.json else sys.stdout)
            if not args.json:
                sys.stdout.write("\n" if text else "(no reply)\n")
        if args.json:
            print_json({"model": loaded.name, "system": system, "turns": session.turns,
                        "notes": session.notes, "last_prompt": session.last_prompt})
        return 0
    say(f"Chatting with {loaded.name}" + (f" as: {system}" if system else "") + f"\n{HELP}")
    while True:
        try:
            message = input("you> ")
        except (EOFError, KeyboardInterrupt):
            say("")
            return 0
        command = message.strip().lower()
        if command in ("/quit", "/exit"):
            return 0
        if command == "/clear":
            session.turns, session.replies = [], 0
            say("(conversation cleared)")
            continue
        if command == "/prompt":
            say(session.last_prompt or "(nothing sent yet)")
            continue
        if not message.strip():
            continue
        sys.stdout.write("bot> ")
        try:
            session.reply(message, out=sys.stdout)
        except PlaygroundError as err:  # say why, keep the conversation going
            say(f"error: {err}")
        sys.stdout.write("\n")
