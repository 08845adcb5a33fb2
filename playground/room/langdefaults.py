"""Defaults that depend on the tab's language and the page: which model a page starts on and
its default prompts.

In a Japanese tab the pages that continue raw text start on ``JA_MODEL`` (gemma-3-270m, Gemma
3 270M base, which writes Japanese) with Japanese prompts; the chat pages stay on the
configured default (SmolLM2-135M-Instruct: gemma has no chat template). An English tab keeps
the configured default and the English prompts.

The field layer (``playground.room.pages``) asks ``language()``; the web app installs the
session's language with ``set_language_source`` (``playground.ui.sidebar`` does, at import),
the command line stays English unless it passes its own.

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

from playground.tuning.data import KANSAI_SYSTEM

JA_MODEL = "gemma-3-270m"
# the Japanese tab's chat model: gemma-3-270m with the Kansai adapter setup trains (the
# Fine-tuning page's built-in set); where it is missing the chat pages keep the configured model
JA_CHAT_MODEL = "gemma-3-270m + kansai (LoRA)"
JA_CHAT_PAGES = ("persona_chat", "rag")
# pages that continue raw text: in a Japanese tab they start on JA_MODEL
RAW_PAGES = ("generate", "sampling_compare", "sampling_lens", "sampling_sweep", "prompt_lab",
             "quantization", "tokenizer_model", "inside_model", "finetune")
# chat pages: they stay on the chat model whatever the language
CHAT_PAGES = ("persona_chat", "rag", "chat_template")

JA_PROMPT = "昔々、あるところに"
JA_PROMPTS = {
    "generate": JA_PROMPT, "sampling_compare": JA_PROMPT, "sampling_lens": "大規模言語モデルとは、",
    "sampling_sweep": JA_PROMPT, "quantization": JA_PROMPT,
    "tokenizer_model": "昔々、あるところにドラゴンがいました。\nTell me a story about a dragon.",
}
JA_TEMPLATES = [
    "英語: {content}\n日本語:",
    "次の文を日本語に訳してください: {content}\n訳:",
    "{content} (日本語で):",
    "ドラゴンの物語: {content}",
]
JA_CONTENT = "Tell me a story about a dragon."
# Prompt lab's few-shot block stays the tutorial's own English prompt ("Please translate to
# Japanese:\nEnglish: ...\nJapanese:"): with Japanese labels gemma-3-270m repeated the
# "英語: ..." line instead of translating it.
JA_BVC_PROMPTS = [
    "日本語に訳してください: Tell me a story about a dragon.",
    "短い文を書いてください: ドラゴンの物語",
    "次の文を言い換えてください: 昔々、あるところにドラゴンがいました。",
]
# the persona presets' system prompts in a Japanese tab (the preset names stay the keys)
JA_PERSONAS = {
    # the built-in Kansai adapter was trained with this very text (playground.tuning.data)
    "Kansai-dialect assistant": KANSAI_SYSTEM,
    "Pirate": "あなたは年老いた海賊の船長です。どの質問にも海賊らしい口調で、船や宝や海の話を"
              "まじえて答えてください。",
    "Strict teacher": "あなたは厳しくも公平な先生です。正確で短い答えを返し、質問に誤りがあれば"
                      "指摘し、答えの最後には生徒向けの短い練習問題を必ず 1 つ出してください。",
    "Helpful assistant": "あなたは親切なアシスタントです。",
}

_source: dict[str, Callable[[], str]] = {"fn": lambda: "en"}
_speaking: ContextVar[str | None] = ContextVar("speaking", default=None)
LANGUAGES = ("en", "ja")


def set_language_source(fn: Callable[[], str]) -> None:
    """Where ``language()`` reads the tab's language from (the web app's session)."""
    _source["fn"] = fn


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Within the block, ``language()`` is ``lang`` in this thread only (other sessions'
    script threads keep their own)."""
    token = _speaking.set(lang)
    try:
        yield
    finally:
        _speaking.reset(token)


def language() -> str:
    if _speaking.get() is not None:
        return _speaking.get()
    try:
        return "ja" if _source["fn"]() == "ja" else "en"
    except Exception:  # no session (a thread without a script run): the English defaults
        return "en"


def default_model(page: str, configured: str, lang: str | None = None) -> str:
    """The model ``page`` starts on in a tab of ``lang`` (``configured``: playground.toml's)."""
    lang = lang or language()
    if lang == "ja" and page in JA_CHAT_PAGES and ja_chat_available():
        return JA_CHAT_MODEL
    return JA_MODEL if lang == "ja" and page in RAW_PAGES else configured


def ja_chat_available() -> bool:
    """Did setup train the Kansai adapter on this server?"""
    from playground.serving.registry import default_registry

    return JA_CHAT_MODEL in default_registry().adapter_specs


def model_group(page: str, lang: str | None = None) -> str:
    """Pages that share one model choice in a tab: every page in an English tab (as before);
    in a Japanese tab the raw-text pages share one and the chat pages another."""
    if (lang or language()) != "ja":
        return "all"
    return "raw" if page in RAW_PAGES else "chat"


def by_language(en, ja) -> Callable[[dict], object]:
    """A field default: ``ja`` in a Japanese tab, ``en`` otherwise."""
    def default(values: dict):
        return ja if language() == "ja" else en
    default.by_language = True  # the web app seeds such inputs in a Japanese tab
    return default


def prompt(page: str, en: str) -> Callable[[dict], str]:
    return by_language(en, JA_PROMPTS.get(page, en))


def persona_prompt(name: str, en: str, lang: str | None = None) -> str:
    """A persona preset's system prompt in the tab's language (``en``: the preset's own)."""
    return JA_PERSONAS.get(name, en) if (lang or language()) == "ja" else en
