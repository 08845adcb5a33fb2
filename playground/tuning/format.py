"""A record in the format the model is trained in, and which of its tokens the loss sees.

An instruct model is tuned in its own chat template (the notes' advice: tune it in the format
it was instruction-tuned with); a base model without one in the plain ``User:/Assistant:``
transcript that the playground's chat pages already send it. Either way the prompt part is
rendered and tokenized exactly as the generation service does (``serving.chat``), so a model
tuned here answers in the format it is served in.

``labels`` follow transformers' convention: the token id where the loss is computed, -100
where it is not. With ``loss_on="response"`` only the answer (and the end-of-sequence token
that teaches the model to stop) counts; with ``"all"`` the prompt too.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.serving.chat import build_messages, encode, has_chat_template, render_chat
from playground.tuning.data import Record

IGNORE = -100
LOSS_ON = ("response", "all")
PLAIN_FORMAT = "User:/Assistant: transcript"  # what the page calls a base model's format


@dataclass(frozen=True)
class Example:
    input_ids: list[int]
    labels: list[int]
    prompt_text: str      # the rendered prompt (what generation would be given)
    response_text: str    # the rendered answer that follows it (with its end marker)
    truncated: bool = False

    @property
    def trained_tokens(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE)


def format_name(tokenizer) -> str:
    return "chat template" if has_chat_template(tokenizer) else PLAIN_FORMAT


def prompt_messages(record: Record) -> list[dict]:
    return build_messages(record.prompt, record.system or None)


def render_example(tokenizer, record: Record, loss_on: str = "response",
                   max_length: int = 256) -> Example:
    """The record as token ids and labels (see the module docstring)."""
    if loss_on not in LOSS_ON:
        raise ValueError(f"loss_on must be one of {', '.join(LOSS_ON)}, got {loss_on!r}")
    messages = prompt_messages(record)
    rendered = render_chat(tokenizer, messages, add_generation_prompt=True)
    prompt_ids = encode(tokenizer, rendered)
    if has_chat_template(tokenizer):
        full = render_chat(tokenizer, messages + [{"role": "assistant",
                                                   "content": record.response}],
                           add_generation_prompt=False).text
        answer = full[len(rendered.text):] if full.startswith(rendered.text) else \
            record.response
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    else:
        answer = " " + record.response.strip()
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    eos = tokenizer.eos_token_id
    if eos is not None and (not answer_ids or answer_ids[-1] != eos):
        answer_ids = answer_ids + [eos]  # the model learns to stop after its answer
        answer += tokenizer.eos_token or ""
    ids = prompt_ids + answer_ids
    labels = ([IGNORE] * len(prompt_ids) if loss_on == "response" else list(prompt_ids)) + \
        list(answer_ids)
    truncated = len(ids) > max_length
    return Example(ids[:max_length], labels[:max_length], rendered.text, answer, truncated)


def prompt_ids(tokenizer, prompt: str, system: str = "") -> list[int]:
    """The ids generation gets for a held-out prompt, in the training format."""
    rendered = render_chat(tokenizer, build_messages(prompt, system or None))
    return encode(tokenizer, rendered)


def token_view(tokenizer, example: Example) -> list[tuple[str, bool]]:
    """(token text, counted in the loss) for each token: the page highlights the counted ones."""
    texts = [tokenizer.decode([i]) for i in example.input_ids]
    return [(t, lab != IGNORE) for t, lab in zip(texts, example.labels)]
