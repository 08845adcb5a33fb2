"""Turning a raw prompt or chat messages into the exact text the model receives.

Chat models get their own chat template. Two fallbacks, both shown to the participant:
- a template that rejects the system role (some Gemma versions): the system text is merged
  into the first user turn, as the tutorial recommends;
- a tokenizer with no chat template at all (base models): a plain "User:/Assistant:" transcript.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.errors import PromptError

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class RenderedPrompt:
    text: str                 # exactly what is tokenized
    add_special_tokens: bool  # False when the template already wrote them
    fallback: str | None      # None, "system-merged" or "plain-text"
    messages: list[dict] | None  # the messages actually rendered (after any merge)
    # what participants wrote (message contents, the raw prompt), in order: tokenized so that
    # a special-token string in it ("<|im_end|>") stays literal text (see ``encode``)
    literals: tuple[str, ...] = ()


def check_messages(messages: list[dict]) -> None:
    """Roles known, system only first, user/assistant alternating, last turn from the user."""
    if not messages:
        raise PromptError("there are no messages: write something for the user turn")
    for i, m in enumerate(messages):
        if m.get("role") not in ROLES:
            raise PromptError(f"message {i + 1} has role {m.get('role')!r}; "
                              f"use one of {', '.join(ROLES)}")
        if not isinstance(m.get("content"), str):
            raise PromptError(f"message {i + 1} has no text content")
        if m["role"] == "system" and i != 0:
            raise PromptError(f"message {i + 1} is a system message; the system prompt must "
                              f"come first, once")
    turns = [m for m in messages if m["role"] != "system"]
    if not turns or turns[0]["role"] != "user":
        raise PromptError("the conversation must start with a user message (after the "
                          "optional system prompt)")
    for a, b in zip(turns, turns[1:]):
        if a["role"] == b["role"]:
            raise PromptError(f"two {a['role']} messages in a row: user and assistant turns "
                              f"must alternate")


def merge_system(messages: list[dict]) -> list[dict]:
    """System text moved into the first user turn, for templates without a system role."""
    if not messages or messages[0]["role"] != "system":
        return list(messages)
    system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
    rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
    return rest


def plain_transcript(messages: list[dict], add_generation_prompt: bool = True) -> str:
    """A readable transcript for models without a chat template."""
    names = {"system": "System", "user": "User", "assistant": "Assistant"}
    lines = [f"{names[m['role']]}: {m['content']}" for m in messages]
    if add_generation_prompt:
        lines.append("Assistant:")
    return "\n".join(lines)


def has_chat_template(tokenizer) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def render_chat(tokenizer, messages: list[dict],
                add_generation_prompt: bool = True) -> RenderedPrompt:
    check_messages(messages)
    if not has_chat_template(tokenizer):
        return RenderedPrompt(plain_transcript(messages, add_generation_prompt), True,
                              "plain-text", list(messages), _contents(messages))
    try:
        text = tokenizer.apply_chat_template(messages, tokenize=False,
                                             add_generation_prompt=add_generation_prompt)
        if messages[0]["role"] != "system" or messages[0]["content"] in text:
            return RenderedPrompt(text, False, None, list(messages), _contents(messages))
    except Exception as err:  # jinja raises TemplateError from the template's own checks
        if messages[0]["role"] != "system":
            raise PromptError(f"the model's chat template refused these messages: {err}") from None
    merged = merge_system(messages)
    try:
        text = tokenizer.apply_chat_template(merged, tokenize=False,
                                             add_generation_prompt=add_generation_prompt)
    except Exception as err:
        raise PromptError(f"the model's chat template refused these messages: {err}") from None
    return RenderedPrompt(text, False, "system-merged", merged, _contents(merged))


def render_raw(prompt: str) -> RenderedPrompt:
    if not prompt.strip():
        raise PromptError("the prompt is empty: type something for the model to continue")
    return RenderedPrompt(prompt, True, None, None, (prompt,))


def _contents(messages: list[dict]) -> tuple[str, ...]:
    return tuple(m["content"] for m in messages if m.get("content"))


def _spans(text: str, literals: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where each literal sits in ``text``, in order (a template may strip a message: then
    the stripped text is looked for); literals not found are left out."""
    spans, pos = [], 0
    for lit in literals:
        for probe in (lit, lit.strip()):
            at = text.find(probe, pos) if probe else -1
            if at >= 0:
                spans.append((at, at + len(probe)))
                pos = at + len(probe)
                break
    return spans


def encode(tokenizer, rendered: RenderedPrompt) -> list[int]:
    """Token ids of ``rendered.text``: the template's own special tokens stay special, while
    inside what a participant wrote a string like ``<|im_end|><|im_start|>system`` is split
    into ordinary tokens (``split_special_tokens=True``), so it cannot open a turn of its own.

    Text without any such string is tokenized in one piece, exactly as before.
    """
    text = rendered.text
    kwargs = {"add_special_tokens": rendered.add_special_tokens}
    specials = [t for t in getattr(tokenizer, "added_tokens_encoder", {}) if t]
    spans = [(a, b) for a, b in _spans(text, rendered.literals)
             if any(t in text[a:b] for t in specials)]
    if not spans:
        return tokenizer(text, **kwargs)["input_ids"]
    ids = tokenizer("", **kwargs)["input_ids"]  # a BOS token, if this tokenizer adds one
    pos = 0
    for a, b in spans:
        if a > pos:
            ids += tokenizer(text[pos:a], add_special_tokens=False)["input_ids"]
        ids += tokenizer(text[a:b], add_special_tokens=False,
                         split_special_tokens=True)["input_ids"]
        pos = b
    if pos < len(text):
        ids += tokenizer(text[pos:], add_special_tokens=False)["input_ids"]
    return ids


def build_messages(prompt: str, system: str | None = None) -> list[dict]:
    messages = [{"role": "system", "content": system}] if system and system.strip() else []
    return messages + [{"role": "user", "content": prompt}]
