"""The decoding knobs beyond the sampling filters: repetition_penalty, no_repeat_ngram_size,
max_length and beam search (num_beams, early_stopping), drawn inside ``settings_widgets``.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.serving.settings import (MAX_LENGTH, NO_REPEAT_NGRAM_SIZE, NUM_BEAMS,
                                         REPETITION_PENALTY, GenerationSettings)
from playground.ui.i18n import t, tr
from playground.ui.inputs import KEEP


def more_widgets(c, prefix: str, d: GenerationSettings, sampling: bool) -> dict:
    """The knobs' values (only those the mode shows: beams with greedy decoding only), in an
    expander that starts open when the defaults already use one of them."""
    state = st.session_state  # a link or a lesson step may have set them: show them open
    used = (state.get(f"{prefix}_repetition_penalty", d.repetition_penalty) != 1
            or state.get(f"{prefix}_no_repeat_ngram_size", d.no_repeat_ngram_size)
            or state.get(f"{prefix}_max_length", d.max_length)
            or state.get(f"{prefix}_num_beams", d.num_beams) > 1)
    box = c.expander(t("decoding.more"), expanded=bool(used))
    values = {
        "repetition_penalty": box.slider(
            t("decoding.repetition_penalty_label"), 0.5, REPETITION_PENALTY.slider_high,
            float(d.repetition_penalty), REPETITION_PENALTY.step, persist_state=KEEP,
            key=f"{prefix}_repetition_penalty", help=tr(REPETITION_PENALTY.help)),
        "no_repeat_ngram_size": box.slider(
            t("decoding.no_repeat_ngram_size_label"), int(NO_REPEAT_NGRAM_SIZE.low),
            int(NO_REPEAT_NGRAM_SIZE.slider_high), int(d.no_repeat_ngram_size), persist_state=KEEP,
            key=f"{prefix}_no_repeat_ngram_size", help=tr(NO_REPEAT_NGRAM_SIZE.help)),
        "max_length": box.slider(
            t("decoding.max_length_label"), int(MAX_LENGTH.low), int(MAX_LENGTH.slider_high),
            int(d.max_length), persist_state=KEEP, key=f"{prefix}_max_length",
            help=tr(MAX_LENGTH.help)),
    }
    if not sampling:  # beam search is deterministic: offered with greedy decoding
        values["num_beams"] = box.slider(
            t("decoding.num_beams_label"), int(NUM_BEAMS.low), int(NUM_BEAMS.slider_high),
            int(d.num_beams), persist_state=KEEP, key=f"{prefix}_num_beams",
            help=tr(NUM_BEAMS.help))
        if values["num_beams"] > 1:
            values["early_stopping"] = box.checkbox(
                t("decoding.early_stopping_label"), bool(d.early_stopping), persist_state=KEEP,
                key=f"{prefix}_early_stopping", help=t("decoding.early_stopping_help"))
            box.caption(t("decoding.beam_note"))
    else:
        box.caption(t("decoding.beams_need_greedy"))
    return values


def length_note(settings: GenerationSettings | None, prompt_tokens: int | None) -> str | None:
    """How much of max_length the prompt takes (None when max_length is off or unknown)."""
    if settings is None or not settings.max_length or prompt_tokens is None:
        return None
    new = settings.new_tokens_for(prompt_tokens)
    return t("decoding.max_length_share", prompt=prompt_tokens, max_length=settings.max_length,
             new=new, percent=round(100 * prompt_tokens / settings.max_length))
