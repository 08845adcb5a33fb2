"""Prompt lab logic: instruction templates, few-shot prompts, and the output with or without
the prompt.

A prompt is an instruction plus content (tutorial section 2): the instruction stays fixed, the
content changes, so an *instruction template* holds the instruction with a ``{content}`` slot.
A few-shot prompt adds worked examples before the real question (section 2.1). Base models get
it as one plain text; chat models get it as alternating user/assistant turns, which is how
their fine-tuning data looked. The page and the CLI (``template``/``generate --few-shot``) use
the same functions here, so both show the same string.

Package ``playground.prompting``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from playground.errors import PromptError

SLOT = "{content}"
SEPARATOR = "---"       # a line holding only this separates prompts typed in one box
MAX_PROMPTS = 8         # prompts run at once; each is a row of the same batch
MAX_EXAMPLES = 10       # few-shot examples; more only makes the 135M model slower

STOP_CHOICES = {"nothing (end of sequence or max_new_tokens)": (),
                "the first newline": ("\n",)}


def split_blocks(text: str, separator: str = SEPARATOR) -> list[str]:
    """Several prompts typed in one box, separated by lines holding only ``---``.

    Blank blocks are dropped; each block keeps its inner newlines but loses the line breaks
    that surround the separator lines.
    """
    pattern = rf"^[ \t]*{re.escape(separator)}[ \t]*$"
    blocks = re.split(pattern, text, flags=re.MULTILINE)
    return [b.strip("\n") for b in blocks if b.strip()]


def fill_template(template: str, content: str) -> str:
    """The template with every ``{content}`` replaced; other braces are left alone."""
    if SLOT not in template:
        short = template if len(template) <= 40 else template[:40] + "…"
        raise PromptError(f"the template {short!r} has no {SLOT} slot: add {SLOT} where the "
                          f"content should go")
    return template.replace(SLOT, content)


@dataclass(frozen=True)
class LabPrompt:
    label: str   # short title shown above the output column
    text: str    # the prompt as sent (before any chat template)
    template: int = 0        # 1-based numbers, so a page can write the label in its language
    content: int | None = None  # None: one content only


def lab_prompts(templates: list[str], contents: list[str]) -> list[LabPrompt]:
    """Every template filled with every content (templates x contents, template-major)."""
    templates = [t for t in templates if t.strip()]
    contents = [c for c in contents if c.strip()]
    if not templates:
        raise PromptError("there is no instruction template: write at least one, with "
                          f"{SLOT} where the content goes", key="errors.no_template")
    if not contents:
        raise PromptError("the content is empty: type the text to put into {content}",
                          key="errors.no_content")
    if len(templates) * len(contents) > MAX_PROMPTS:
        raise PromptError(f"{len(templates)} templates x {len(contents)} contents make "
                          f"{len(templates) * len(contents)} prompts; at most {MAX_PROMPTS} "
                          f"run at once", key="errors.too_many_prompts",
                          params={"templates": len(templates), "contents": len(contents),
                                  "n": len(templates) * len(contents), "most": MAX_PROMPTS})
    many = len(contents) > 1
    return [LabPrompt(f"template {t + 1}" + (f" · content {c + 1}" if many else ""),
                      fill_template(template, content), t + 1, c + 1 if many else None)
            for t, template in enumerate(templates) for c, content in enumerate(contents)]


@dataclass(frozen=True)
class FewShot:
    """Worked examples (input -> output) followed by the real query.

    instruction: the task, repeated in every block as the tutorial does ("" for none).
    input_label / output_label: prefixes such as "English" / "Japanese" ("" for none).
    examples: (input, output) pairs, at most ``MAX_EXAMPLES``.
    """

    instruction: str
    examples: tuple[tuple[str, str], ...]
    query: str
    input_label: str = "English"
    output_label: str = "Japanese"
    system: str = field(default="")  # only used by the chat view

    def __post_init__(self) -> None:
        if not self.query.strip():
            raise PromptError("the few-shot query is empty: type the input the model should "
                              "answer")
        if len(self.examples) > MAX_EXAMPLES:
            raise PromptError(f"{len(self.examples)} examples; at most {MAX_EXAMPLES} are "
                              f"allowed")
        for i, (x, y) in enumerate(self.examples):
            if not x.strip() or not y.strip():
                raise PromptError(f"example {i + 1} needs both an input and an output")

    def with_shots(self, k: int) -> "FewShot":
        """The same prompt with only the first ``k`` examples (0 = zero-shot)."""
        return FewShot(self.instruction, self.examples[:k], self.query, self.input_label,
                       self.output_label, self.system)

    def _question(self, x: str) -> str:
        line = f"{self.input_label}: {x}" if self.input_label else x
        return f"{self.instruction}\n{line}" if self.instruction else line

    def _answer(self, y: str | None) -> str:
        if not self.output_label:
            return y or ""
        return f"{self.output_label}:" + (f" {y}" if y else "")

    def as_text(self) -> str:
        """One plain text for base models: each block is question + answer, the last block
        stops right after the output label so the model writes the answer."""
        blocks = [f"{self._question(x)}\n{self._answer(y)}" for x, y in self.examples]
        blocks.append(f"{self._question(self.query)}\n{self._answer(None)}".rstrip("\n"))
        return "\n\n".join(blocks)

    def as_messages(self) -> list[dict]:
        """Alternating user/assistant turns for chat models, ending with the query's turn."""
        messages = [{"role": "system", "content": self.system}] if self.system.strip() else []
        for x, y in self.examples:
            messages += [{"role": "user", "content": self._question(x)},
                         {"role": "assistant", "content": self._answer(y)}]
        return messages + [{"role": "user", "content": self._question(self.query)}]

    def to_dict(self) -> dict:
        return {"instruction": self.instruction, "input_label": self.input_label,
                "output_label": self.output_label, "system": self.system,
                "examples": [{"input": x, "output": y} for x, y in self.examples],
                "query": self.query}

    @classmethod
    def from_dict(cls, data: dict) -> "FewShot":
        if not isinstance(data, dict):
            raise PromptError("a few-shot file must hold one JSON object with \"examples\" "
                              "and \"query\"")
        known = {"instruction", "input_label", "output_label", "system", "examples", "query"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PromptError(f"unknown few-shot key(s): {', '.join(unknown)}; use "
                              f"{', '.join(sorted(known))}")
        try:
            examples = tuple((str(e["input"]), str(e["output"])) for e in data.get("examples", []))
        except (KeyError, TypeError):
            raise PromptError("each few-shot example must be an object with \"input\" and "
                              "\"output\"") from None
        return cls(instruction=str(data.get("instruction", "")), examples=examples,
                   query=str(data.get("query", "")),
                   input_label=str(data.get("input_label", "English")),
                   output_label=str(data.get("output_label", "Japanese")),
                   system=str(data.get("system", "")))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


# The tutorial's translation example (section 2.1), in the playground's words.
DEFAULT_FEW_SHOT = FewShot(
    instruction="Please translate to Japanese:",
    examples=(("How are you?", "お元気ですか？"),
              ("Today is a beautiful day.", "今日はいい天気ですね。")),
    query="Tell me a story about a dragon.")

DEFAULT_TEMPLATES = [
    "Please translate to Japanese: {content}",
    "Please translate to Japanese:\nEnglish: {content}\nJapanese:",
    "Please write a short sentence: {content}",
    "Please paraphrase this sentence: {content}",
]
DEFAULT_CONTENT = "Tell me a story about a dragon."


@dataclass(frozen=True)
class OutputViews:
    """One generated row, split on token ids rather than by slicing strings.

    prompt: the prompt's ids decoded (special tokens kept, so the template is visible).
    generated: the generated ids decoded (the row's text, cut at a stop string if one hit).
    naive: what cutting the decoded output (special tokens skipped) at ``len(prompt_string)``
        characters gives. It goes wrong whenever decoding does not give back the prompt string
        character for character (skipped special tokens, normalised spaces):
        ``slicing_agrees`` says whether it matched the ids' own split this time.
    """

    prompt: str
    generated: str
    naive: str
    slicing_agrees: bool

    @property
    def with_prompt(self) -> str:
        return self.prompt + self.generated


def output_views(tokenizer, prompt_text: str, prompt_ids: list[int],
                 generated_ids: list[int], generated_text: str) -> OutputViews:
    """``generated_text`` is the service's text for the row (already cut at a stop string);
    the caller holds the tokenizer lock."""
    prompt = tokenizer.decode(list(prompt_ids), skip_special_tokens=False)
    # the string shortcut, kept to show why cutting at the token boundary is the safe way
    full = tokenizer.decode(list(prompt_ids) + list(generated_ids), skip_special_tokens=True)
    naive = full[len(prompt_text):]
    right = tokenizer.decode(list(generated_ids), skip_special_tokens=True)
    return OutputViews(prompt=prompt, generated=generated_text, naive=naive,
                       slicing_agrees=naive == right)
