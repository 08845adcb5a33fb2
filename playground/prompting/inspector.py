"""The chat-template inspector: what ``apply_chat_template`` really makes of a conversation.

For a list of messages it gives the rendered string (with and without the generation prompt),
the tokens (special tokens marked), which role each token belongs to, and which fallback the
playground used (``playground.serving.chat``): a template without a system role gets the system text
merged into the first user turn; a tokenizer without any chat template gets a plain
"User:/Assistant:" transcript.

To let participants see both fallbacks on the embedded model (offline, no Gemma needed), the
same tokenizer can be inspected under two stand-in templates: ChatML with the system role
taken out (the way Gemma's template refuses one), and no template at all (like a base model).

Package ``playground.prompting``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from playground.serving.chat import RenderedPrompt, check_messages, has_chat_template, render_chat
from playground.errors import PromptError
from playground.prompting.tokens import Tokenized, tokenize

# ChatML (SmolLM2's own format) that refuses a system message, as Gemma's template does.
NO_SYSTEM_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

TEMPLATE_CHOICES = {
    "own": "the model's own chat template",
    "no-system": "stand-in: the same format without a system role (like Gemma)",
    "none": "stand-in: no chat template at all (like a base model)",
}
TEMPLATE_ROLE = "template"  # tokens the template wrote: special tokens, role headers


class TemplateOverride:
    """A tokenizer seen through another chat template ('' = none); everything else is the
    real tokenizer (the original is never changed, other sessions share it)."""

    def __init__(self, tokenizer, chat_template: str):
        self._tokenizer = tokenizer
        self.chat_template = chat_template or None

    def apply_chat_template(self, messages, **kwargs):
        if self.chat_template is None:
            raise ValueError("this tokenizer has no chat template")
        return self._tokenizer.apply_chat_template(messages, chat_template=self.chat_template,
                                                   **kwargs)

    def __call__(self, *args, **kwargs):
        return self._tokenizer(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._tokenizer, name)


def with_template(tokenizer, choice: str):
    """``tokenizer`` under one of ``TEMPLATE_CHOICES``."""
    if choice == "own":
        return tokenizer
    if choice == "no-system":
        return TemplateOverride(tokenizer, NO_SYSTEM_TEMPLATE)
    if choice == "none":
        return TemplateOverride(tokenizer, "")
    raise ValueError(f"unknown template choice {choice!r}")


def system_support(tokenizer) -> str:
    """"supported", "merged" (the template refuses or drops a system message), "no-template",
    or "broken" (the template refuses even a plain user message)."""
    if not has_chat_template(tokenizer):
        return "no-template"
    probe = [{"role": "system", "content": "SYSTEM-PROBE-7f3a"},
             {"role": "user", "content": "hi"}]
    try:
        return "supported" if render_chat(tokenizer, probe).fallback is None else "merged"
    except PromptError:
        return "broken"


@dataclass(frozen=True)
class Inspection:
    rendered: RenderedPrompt        # with the generation prompt (what generation sends)
    without_prompt: RenderedPrompt  # add_generation_prompt=False
    tokens: Tokenized               # tokens of ``rendered.text``
    roles: list[str]                # per token: "system" | "user" | "assistant" | "template"
    system: str                     # system_support() of the tokenizer

    def counts(self) -> dict[str, int]:
        """Tokens per role, in the order system, user, assistant, template."""
        out = {}
        for role in ("system", "user", "assistant", TEMPLATE_ROLE):
            n = sum(r == role for r in self.roles)
            if n or role in (TEMPLATE_ROLE, "user"):
                out[role] = n
        return out


def role_spans(text: str, messages: list[dict]) -> list[tuple[int, int, str]]:
    """Where each message's text sits in the rendered string: (start, end, role).

    Searched in order from where the previous one ended, so repeated texts are matched to the
    right turn. A text the template changed (e.g. stripped) is matched stripped; one it left
    out is skipped.
    """
    spans, cursor = [], 0
    for m in messages:
        for content in (m["content"], m["content"].strip()):
            if not content:
                break
            at = text.find(content, cursor)
            if at != -1:
                spans.append((at, at + len(content), m["role"]))
                cursor = at + len(content)
                break
    return spans


def token_roles(offsets: list[tuple[int, int]] | None, spans: list[tuple[int, int, str]],
                n_tokens: int) -> list[str]:
    """The role of each token: the span its last character falls in, else the template.

    The last character, because byte-level tokens carry the space before a word ("␣Be"),
    and that space belongs to the template's "System: " rather than to the message."""
    if offsets is None:
        return [TEMPLATE_ROLE] * n_tokens
    roles = []
    for start, end in offsets:
        role = TEMPLATE_ROLE
        for s, e, r in spans:
            if end > start and s <= end - 1 < e:
                role = r
                break
        roles.append(role)
    return roles


def inspect_chat(tokenizer, messages: list[dict], lock=None) -> Inspection:
    """Render, tokenize and attribute; raises ``PromptError`` for bad messages.

    ``lock`` guards the shared tokenizer (``loaded.tokenizer_lock``).
    """
    check_messages(messages)
    with lock if lock is not None else contextlib.nullcontext():
        rendered = render_chat(tokenizer, messages, add_generation_prompt=True)
        without = render_chat(tokenizer, messages, add_generation_prompt=False)
        support = system_support(tokenizer)
    tokens = tokenize(tokenizer, rendered.text, add_special_tokens=rendered.add_special_tokens,
                      lock=lock)
    offsets = tokens.offsets
    if offsets is not None and len(offsets) != len(tokens.ids):
        offsets = None
    roles = token_roles(offsets, role_spans(rendered.text, messages), len(tokens.ids))
    if rendered.add_special_tokens and offsets is not None:
        # tokens the tokenizer added itself (e.g. <bos>) cover no characters: template tokens
        roles = [TEMPLATE_ROLE if s == e else r for (s, e), r in zip(offsets, roles)]
    return Inspection(rendered, without, tokens, roles, support)
