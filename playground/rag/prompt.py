"""The RAG prompt (numbered sources within a token budget) and citations in the answer.

The prompt puts the question first, then each source as "[n] passage", and tells the model to
end the sentence it uses with that number. One short worked example comes first: a 135M model
follows a shown format far more often than a described one. Titles stay in the sources panel,
not in the prompt: with a title line per source SmolLM2-135M copied titles and passages and
cited nothing. (On 8 small questions, greedy: "[n] passage" cited correctly in 4 answers,
"[n] title: passage" in 1, "[n] title" + passage on its own line in 0; without the example
it rarely cites.) The participant sees all of it in "the prompt the model receives".

Token counts come from the model's own tokenizer on the exact rendered chat template, so the
budget is exact, not estimated.

Package ``playground.rag``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from playground.serving.chat import RenderedPrompt
from playground.errors import PromptError
from playground.rag.sources import Source, escape_markdown, markdown_link
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings, Range

SYSTEM = ("You answer questions using only the numbered sources you are given. Copy the "
          "sentence that answers the question and end it with the number of its source in "
          "square brackets, like [1]. If no source answers the question, say \"The sources "
          "do not say.\"")
EXAMPLE_QUESTION = "At what temperature does water boil?"
EXAMPLE_SOURCES = (Source("Ice", None, "Ice floats because it is less dense than liquid water."),
                   Source("Water", None, "At sea level, water boils at 100 degrees Celsius."))
EXAMPLE_ANSWER = "At sea level, water boils at 100 degrees Celsius [2]."
BUDGET = Range(128, 8192, step=64, widget_high=4096,
               help="At most this many tokens for the whole prompt (instructions, sources, "
                    "question). Sources that do not fit are shortened or left out; the "
                    "model's context length minus max_new_tokens is a hard limit.")
MIN_TRIMMED_WORDS = 12  # a shorter cut-off passage says too little to be worth citing


def user_message(question: str, sources: list[Source] | tuple[Source, ...]) -> str:
    blocks = [f"[{i}] {s.snippet}" for i, s in enumerate(sources, start=1)]
    return f"Question: {question.strip()}\n\nSources:\n" + "\n\n".join(blocks)


def rag_messages(question: str, sources, example: bool = True) -> list[dict]:
    messages = [{"role": "system", "content": SYSTEM}]
    if example:
        messages += [{"role": "user", "content": user_message(EXAMPLE_QUESTION, EXAMPLE_SOURCES)},
                     {"role": "assistant", "content": EXAMPLE_ANSWER}]
    return messages + [{"role": "user", "content": user_message(question, sources)}]


@dataclass(frozen=True)
class RagPrompt:
    """Both prompts of one RAG question and what went into them.

    sources: the passages in the prompt, numbered from 1 (the last may be shortened).
    offered: how many passages retrieval returned (the rest did not fit the budget).
    with_context: None when there are no sources (only the plain answer is generated).
    prompt_tokens: tokens of the with-context prompt (or the plain one without sources).
    budget_tokens: the limit it was fitted to; context_length: the model's.
    """

    question: str
    sources: tuple[Source, ...]
    offered: int
    trimmed: bool
    with_context: Prompt | None
    without_context: Prompt
    rendered: RenderedPrompt
    prompt_tokens: int
    budget_tokens: int
    context_length: int

    @property
    def dropped(self) -> int:
        return self.offered - len(self.sources)

    def request(self, settings: GenerationSettings) -> GenerationRequest:
        """One batched request: row 0 with the sources, row 1 without (or only the latter)."""
        prompts = ((self.with_context,) if self.with_context else ()) + (self.without_context,)
        return GenerationRequest(prompts=prompts, variants=(settings,))


def build_prompt(loaded, question: str, sources: list[Source], max_new_tokens: int,
                 budget_tokens: int | None = None, example: bool = True) -> RagPrompt:
    """Fit as many sources (in rank order) as the token budget allows.

    budget: min(``budget_tokens``, the model's context length - ``max_new_tokens``). A source
    that does not fit whole is cut word by word to fit (if at least ``MIN_TRIMMED_WORDS``
    remain) and the rest are left out. Raises ``PromptError`` if even the question alone is
    too long.
    """
    if not question.strip():
        raise PromptError("type a question first", key="errors.no_question")
    service, context = loaded.service, loaded.context_length
    limit = context - max_new_tokens
    budget = min(budget_tokens, limit) if budget_tokens else limit

    def measure(candidate: list[Source]) -> tuple[int, Prompt, RenderedPrompt]:
        prompt = Prompt.chat(rag_messages(question, candidate, example))
        rendered = service.render(prompt)
        return len(service.tokenize(rendered)), prompt, rendered

    without = Prompt.chat([{"role": "user", "content": question.strip()}])
    if not sources:
        rendered = service.render(without)
        n = len(service.tokenize(rendered))
        _check(n, budget, context, max_new_tokens)
        return RagPrompt(question, (), 0, False, None, without, rendered, n, budget, context)
    kept: list[Source] = []
    trimmed = False
    best = measure(kept)
    _check(best[0], budget, context, max_new_tokens)
    for source in sources:
        whole = measure(kept + [source])
        if whole[0] <= budget:
            kept, best = kept + [source], whole
            continue
        words = source.snippet.split()
        lo, hi, fit = MIN_TRIMMED_WORDS, len(words) - 1, None
        while lo <= hi:  # the longest cut that still fits
            mid = (lo + hi) // 2
            short = replace(source, snippet=" ".join(words[:mid]) + " …")
            result = measure(kept + [short])
            if result[0] <= budget:
                fit, lo = (short, result), mid + 1
            else:
                hi = mid - 1
        if fit is not None:
            kept, best, trimmed = kept + [fit[0]], fit[1], True
        break
    n, prompt, rendered = best
    return RagPrompt(question, tuple(kept), len(sources), trimmed, prompt if kept else None,
                     without, rendered, n, budget, context)


def _check(tokens: int, budget: int, context: int, max_new_tokens: int) -> None:
    if tokens > budget:
        raise PromptError(
            f"the question and instructions alone take {tokens} tokens, more than the budget "
            f"of {budget} tokens (context {context} tokens minus max_new_tokens "
            f"{max_new_tokens}); shorten the question or raise the budget")


_CITE = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")


def cited(text: str) -> list[int]:
    """Every number cited as [n] (or [n, m]) in ``text``, in order of first appearance."""
    seen: list[int] = []
    for m in _CITE.finditer(text):
        for part in re.split(r"[,;]", m.group(1)):
            k = int(part)
            if k not in seen:
                seen.append(k)
    return seen


def source_anchor(k: int) -> str:
    return f"rag-source-{k}"


def answer_markdown(text: str, sources: tuple[Source, ...] | list[Source]) -> str:
    """The answer as safe Markdown: the model's words escaped, each valid [n] a link (to the
    web page, or to the source card on the page for documents); [n] with no source n stays
    plain text."""
    out, pos = [], 0
    for m in _CITE.finditer(text):
        out.append(escape_markdown(text[pos:m.start()]))
        links = []
        for part in re.split(r"[,;]", m.group(1)):
            k = int(part)
            label = f"\\[{k}\\]"
            if 1 <= k <= len(sources):
                s = sources[k - 1]
                links.append(markdown_link(label, s.url or f"#{source_anchor(k)}", s.title))
            else:
                links.append(label)
        out.append(" ".join(links))
        pos = m.end()
    out.append(escape_markdown(text[pos:]))
    return "".join(out)
