"""Persona chat: a system prompt that gives the model a character, and a history that fits.

Each turn sends the system prompt plus the whole conversation through the model's chat
template (tutorial section 2.2). A long conversation eventually needs more tokens than the
model's context (or the budget an instructor sets to make this visible); then the oldest
user/assistant exchanges are left out of what is sent, never the system prompt and never the
message just typed, and the caller shows a note saying so. The history itself is kept.

Package ``playground.prompting``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from playground.errors import PromptError
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import SEED, GenerationSettings

MIN_BUDGET = 128  # tokens; below this not even a short system prompt and question fit

CUSTOM = "Custom"
PERSONAS: dict[str, str] = {
    "Kansai-dialect assistant": (
        "You are a cheerful assistant from Osaka. Always answer in Kansai dialect "
        "(関西弁): casual, warm and quick with a joke, but still helpful."),
    "Pirate": (
        "You are an old pirate captain. Answer every question in pirate speak, with talk of "
        "ships, treasure and the sea."),
    "Strict teacher": (
        "You are a strict but fair teacher. Give correct, brief answers, point out any mistake "
        "in the question, and end every answer with one short exercise for the student."),
    "Helpful assistant": "You are a helpful assistant.",
    CUSTOM: "",
}


def persona_prompt(name: str) -> str:
    """The system prompt of a preset (case-insensitive name); raises ``PromptError``."""
    for key, text in PERSONAS.items():
        if key.lower() == name.strip().lower() and key != CUSTOM:
            return text
    names = ", ".join(repr(k) for k in PERSONAS if k != CUSTOM)
    raise PromptError(f"unknown persona {name!r}: choose one of {names}, or give your own "
                      f"system prompt")


def conversation(system: str, turns: list[dict]) -> list[dict]:
    """System prompt (if any) + the turns, as chat messages."""
    head = [{"role": "system", "content": system}] if system.strip() else []
    return head + [{"role": t["role"], "content": t["content"]} for t in turns]


@dataclass(frozen=True)
class FittedHistory:
    messages: list[dict]   # what is sent: system + the newest turns that fit
    dropped: int           # oldest messages left out (user and assistant, in pairs)
    prompt_tokens: int     # tokens of the rendered prompt that is sent
    budget: int            # tokens allowed for prompt + max_new_tokens

    @property
    def note(self) -> str | None:
        if not self.dropped:
            return None
        return (f"The {self.dropped} oldest messages were left out of what the model sees, so "
                f"the prompt ({self.prompt_tokens} tokens) plus max_new_tokens fits in "
                f"{self.budget} tokens. The system prompt is always kept.")


def fit_history(system: str, turns: list[dict], count_tokens: Callable[[list[dict]], int],
                max_new_tokens: int, budget: int) -> FittedHistory:
    """Drop the oldest user/assistant exchanges until prompt + max_new_tokens <= budget.

    turns: alternating user/assistant messages ending with the user's new message.
    count_tokens: messages -> tokens of the rendered prompt (the real tokenizer).
    budget: tokens, at most the model's context length.
    """
    if not turns or turns[-1]["role"] != "user":
        raise PromptError("there is no new message to answer: type one first")
    kept = list(turns)
    while True:
        messages = conversation(system, kept)
        used = count_tokens(messages)
        if used + max_new_tokens <= budget:
            return FittedHistory(messages, len(turns) - len(kept), used, budget)
        if len(kept) <= 1:
            raise PromptError(
                f"the system prompt and your message take {used} tokens; with max_new_tokens "
                f"{max_new_tokens} that is more than the {budget}-token budget: shorten them, "
                f"lower max_new_tokens or raise the budget")
        # drop the oldest exchange (user + its reply) so the history still starts with a user
        kept = kept[2:] if len(kept) > 2 and kept[1]["role"] == "assistant" else kept[1:]


def token_counter(loaded) -> Callable[[list[dict]], int]:
    """Messages -> tokens of the prompt the service would send (chat template applied)."""

    def count(messages: list[dict]) -> int:
        return len(loaded.service.tokenize(loaded.service.render(Prompt.chat(messages))))

    return count


def without_last_reply(turns: list[dict]) -> list[dict]:
    """The history for "regenerate": the last assistant reply removed."""
    if not turns or turns[-1]["role"] != "assistant":
        raise PromptError("there is no reply to regenerate yet", key="errors.no_reply")
    return list(turns[:-1])


def chat_request(loaded, system: str, turns: list[dict], settings: GenerationSettings,
                 budget: int | None = None) -> tuple[GenerationRequest, FittedHistory]:
    """The request for the next reply, with the history fitted to the budget.

    budget: tokens for prompt + reply, in [MIN_BUDGET, context length]; None = the model's
    whole context.
    """
    limit = loaded.context_length if budget is None else min(int(budget), loaded.context_length)
    if limit < MIN_BUDGET:
        raise PromptError(f"the context budget must be at least {MIN_BUDGET} tokens, got {limit}")
    fitted = fit_history(system, turns, token_counter(loaded), settings.max_new_tokens, limit)
    return GenerationRequest.single(settings, Prompt.chat(fitted.messages)), fitted


def reply_settings(settings: GenerationSettings, reply_number: int) -> GenerationSettings:
    """The settings for the n-th reply requested in a conversation (0, 1, 2, ...).

    Sampling uses seed + n, so a regenerated reply differs from the one it replaces while the
    whole conversation stays reproducible from its seed; greedy decoding is left as it is.
    """
    if not settings.do_sample:
        return settings
    return settings.replace(seed=int((settings.seed + reply_number) % (SEED.high + 1)))
