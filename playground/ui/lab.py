"""Prompt lab glue: the few-shot editor, running several prompts as one request, and showing
each prompt's output with or without the prompt (split on token ids).

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.errors import PlaygroundError
from playground.prompting.templates import DEFAULT_FEW_SHOT, FewShot, output_views
from playground.serving.service import GenerationRequest, GenerationResult, Prompt
from playground.serving.settings import GenerationSettings
from playground.ui.inputs import KEEP, kept_editor
from playground.ui.prompt_widgets import collect_interrupted_many, stream_handles
from playground.ui.widgets import show_error, timings_caption
from playground.ui.i18n import t, tr
from playground.ui.made_with import made_with, remember

WITH_PROMPT = "with the prompt"
PER_ROW = 4  # output columns per row


def few_shot_editor(prefix: str) -> FewShot | None:
    """Instruction, labels, an editable table of examples and the query; None after an error."""
    d = DEFAULT_FEW_SHOT
    instruction = st.text_input(t("lab.instruction_repeated_in_every"), d.instruction,
                                persist_state=KEEP, key=f"{prefix}_instruction")
    left, right = st.columns(2)
    input_label = left.text_input(t("lab.input_label"), d.input_label, persist_state=KEEP, key=f"{prefix}_in_label")
    output_label = right.text_input(t("lab.output_label"), d.output_label, persist_state=KEEP, key=f"{prefix}_out_label")
    rows = kept_editor([{"input": x, "output": y} for x, y in d.examples],
                       key=f"{prefix}_examples", num_rows="dynamic", width="stretch",
                       column_config={"input": t("lab.example_input"),
                                      "output": t("lab.example_output")})
    query = st.text_input(t("lab.query_the_input_the"), d.query,
                          persist_state=KEEP, key=f"{prefix}_query")
    examples = tuple((str(r.get("input") or ""), str(r.get("output") or "")) for r in rows
                     if (r.get("input") or r.get("output")))
    try:
        return FewShot(instruction, examples, query, input_label, output_label)
    except PlaygroundError as err:
        show_error(err)
        return None


def output_grid(labels: list[str], samples: int) -> list:
    """Columns side by side (``PER_ROW`` a row), one per prompt; one slot per sample."""
    slots = []
    for start in range(0, len(labels), PER_ROW):
        cols = st.columns(min(PER_ROW, len(labels) - start))
        for col, label in zip(cols, labels[start:start + PER_ROW]):
            col.markdown(f"**{label}**")
            slots += [col.empty() for _ in range(samples)]
    return slots


def run_prompts(key: str, loaded, labels: list[str], prompts: list[Prompt],
                settings: GenerationSettings, stop: tuple[str, ...], go: bool,
                page: str | None = None) -> None:
    """On ``go``: every prompt in ONE request (one batch), streamed side by side. Always: the
    last result of this tab (``st.session_state[key]``), shown as the view radio says, with
    ``page``'s "Made with: …" line under the result that was made last."""
    area = f"{page}_made_area"  # which of the page's results the capture belongs to
    interrupted = collect_interrupted_many(f"{key}_handle")
    if interrupted and isinstance(interrupted[0], GenerationResult):
        st.session_state[key] = (interrupted[0], *st.session_state[f"{key}_sent"])
    view = st.radio(t("lab.show_the_output"), ["without the prompt", WITH_PROMPT], horizontal=True,
                    format_func=lambda v: t("lab.view_" + v.split()[0]),
                    persist_state=KEEP, key=f"{key}_view", help=t("lab.both_are_cut_from"))
    if go and settings is not None and prompts:
        if page:
            remember(page)  # the inputs (and lesson step) that make this result
            st.session_state[area] = key
        try:
            request = GenerationRequest(prompts=tuple(prompts), variants=(settings,),
                                        stop_strings=stop)
            handle = loaded.service.submit(request)
            st.session_state[f"{key}_sent"] = (list(labels), loaded.name)  # for Stop's partial
            live = st.empty()  # the streaming grid, replaced by the final one below
            with live.container():
                slots = output_grid(labels, settings.num_return_sequences)
            result = stream_handles(f"{key}_handle", [handle], [slots])[0]
            live.empty()
            if isinstance(result, PlaygroundError):
                raise result
            st.session_state[key] = (result, labels, loaded.name)
        except Exception as err:
            show_error(err)
    last = st.session_state.get(key)
    if last is not None:
        show_result(loaded, *last, with_prompt=view == WITH_PROMPT)
        if page and st.session_state.get(area) == key:
            made_with(page, where=key)


def show_result(loaded, result: GenerationResult, labels: list[str], model: str,
                with_prompt: bool) -> None:
    """Each prompt's samples in its own column; finish reasons and timings under them.

    The prompt view decodes token ids, so it needs the tokenizer of the model that made them.
    """
    same = model == loaded.name and loaded.tokenizer is not None  # remote: no tokenizer here
    if model != loaded.name:
        st.caption(t("lab.generated_by_model_splitting", model=model, name=loaded.name))
    per_prompt = len(result.samples) // max(1, len(result.rendered))
    slots = output_grid(labels, per_prompt)
    for slot, sample in zip(slots, result.samples):
        text, note = sample.text, t("base_vs_chat.n_tokens_tokens_finish", n_tokens=sample.n_tokens,
                                    finish_reason=tr(sample.finish_reason))
        if same:
            rendered = result.rendered[sample.prompt_index]
            with loaded.tokenizer_lock:
                ids = loaded.tokenizer(rendered.text,
                                       add_special_tokens=rendered.add_special_tokens
                                       )["input_ids"]
                views = output_views(loaded.tokenizer, rendered.text, ids, sample.token_ids,
                                     sample.text)
            if with_prompt:
                text = views.with_prompt
                note += t("lab.prompt_ids", ids=len(ids))
            elif not views.slicing_agrees:
                note += t("lab.naive_cut", naive=views.naive[:40])
        box = slot.container()
        box.code(text or t("common.nothing_plain"), language=None, wrap_lines=True)
        box.caption(note)
    st.caption(timings_caption(result))


def comparison_grid(prompts: list[str], names: list[str], samples: int) -> list[list]:
    """A header with the model names, then one row per prompt and one column per model:
    ``slots[model]`` lists that model's slots (``samples`` per prompt), for ``stream_handles``."""
    for col, name in zip(st.columns(len(names)), names):
        col.markdown(f"#### {name}")
    slots: list[list] = [[] for _ in names]
    for i, prompt in enumerate(prompts):
        short = prompt if len(prompt) <= 90 else prompt[:90] + "…"
        st.text(t("lab.prompt_n", n=i + 1) + short.replace("\n", " ⏎ "))
        for m, col in enumerate(st.columns(len(names))):
            slots[m] += [col.empty() for _ in range(samples)]
    return slots
