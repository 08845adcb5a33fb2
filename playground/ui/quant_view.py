"""Quantization page glue: follow a queued comparison, then show its table, chart and outputs.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import html
import time

import altair as alt
import pandas as pd
import streamlit as st

from playground.ui import presenter
from playground.ui.text import as_text
from playground.errors import RequestCancelled
from playground.serving.jobqueue import Job
from playground.quant.compare import Comparison, PresetRow
from playground.quant.presets import PRESETS
from playground.quant.tutorial import (TUTORIAL_KEPT_SHARE, TUTORIAL_MODEL, WEIGHTS,
                                       beside_tutorial, kept_share_of)
from playground.ui.shared_view import cached_note, waiting_text
from playground.ui.widgets import session_alive, show_error
from playground.ui.i18n import header, headers, t, tr


def follow_job(job: Job) -> Comparison | None:
    """A progress bar (or the place in line) until the job ends; its result, or None."""
    bar = st.progress(0.0, text=t("quant_view.queued"))
    while not job.done:
        if not session_alive():  # the tab was closed: free the server for the others
            job.cancel()
            break
        ahead = job.position()
        if ahead:
            others = f" and {ahead - 1} more waiting before yours" if ahead > 1 else ""
            bar.progress(0.0, text=t("quant_view.waiting_in_line_one", others=others) + " "
                                   + waiting_text(job))
        else:
            bar.progress(job.fraction, text=_line(tr(job.message), waiting_text(job)))
        time.sleep(0.3)
    bar.empty()
    try:
        result = job.result(timeout=600)
        cached_note(job, "quant_job")
        return result
    except RequestCancelled:
        st.info(t("quant_view.comparison_cancelled"))
    except Exception as err:  # a participant-level error (unknown model...) or a bug
        show_error(err)
    return None


def _line(message: str, waiting: str) -> str:
    """The progress message and the place in line, with one full stop between them."""
    end = "" if message.endswith(("…", ".", "。")) else "."
    return f"{message}{end} {waiting}".strip()


def _memory_column(c: Comparison) -> str:
    return t("quant_cards.gpu_allocated_mb") if c.device == "cuda" else t("quant_cards.rss_growth_mb")


def agreement_chart(c: Comparison) -> alt.Chart:
    """Memory (x) against chrF vs the reference (y), one labelled point per preset."""
    data = pd.DataFrame([{"preset": r.preset, "weights (MiB)": r.footprint_mb,
                          "chrF": r.chrf, "tok/s": r.tokens_per_s} for r in c.ok_rows()])
    base = alt.Chart(data).encode(
        x=alt.X("weights (MiB):Q", title=t("quant_view.chart_weights"), scale=alt.Scale(zero=True)),
        y=alt.Y("chrF:Q", title=t("quant_view.chart_chrf", reference=c.reference),
                scale=alt.Scale(domain=[0, 105])))
    points = base.mark_circle(size=160).encode(
        color=alt.Color("preset:N", legend=None),
        tooltip=["preset", "weights (MiB)", "chrF", "tok/s"])
    labels = base.mark_text(align="left", dx=10, dy=-8).encode(text="preset:N")
    return (points + labels).properties(height=300, title=t("quant_view.chart_title"))


def _output_html(row: PresetRow) -> str:
    """The text, escaped, with everything from the first divergent token highlighted."""
    text = row.text or t("quant_cards.empty")
    cut = len(text) if row.divergence_char is None else row.divergence_char
    same, rest = html.escape(text[:cut]), html.escape(text[cut:])
    marked = (f'<mark style="background:#ffd6a5;border-radius:3px">{rest}</mark>'
              if rest else "")
    return (f'<div style="white-space:pre-wrap;font-size:0.95rem;line-height:1.45">'
            f"{same}{marked}</div>")


def show_outputs(c: Comparison, per_row: int = 4) -> None:
    rows = c.ok_rows()
    for start in range(0, len(rows), per_row):
        for col, row in zip(st.columns(per_row), rows[start:start + per_row]):
            with col.container(border=True):
                st.markdown(f"**{row.preset}**")
                if row.preset == c.reference:
                    note = t("quant_cards.the_reference")
                elif row.identical:
                    note = t("quant_cards.same_text_as", reference=c.reference)
                else:
                    note = t("quant_cards.diverges_at", token=row.first_divergence,
                             chrf=f"{row.chrf:.1f}")
                st.caption(t("quant_view.note_new_tokens_tokens", note=note, new_tokens=row.new_tokens))
                st.html(_output_html(row))


def show_beside_tutorial(c: Comparison) -> None:
    """This model's weights beside the tutorial's Llama-2-7b, and why small models save less."""
    rows = beside_tutorial(c.rows)
    if not rows:
        return
    st.subheader(t("quant_tutorial.subheader"))
    presenter.table(pd.DataFrame(headers(rows)), formats={header(WEIGHTS): "%.1f"})
    share = kept_share_of(c.rows)
    tutorial_share = f"{TUTORIAL_KEPT_SHARE:.0%}"
    if share is None:
        st.caption(t("quant_tutorial.caption_no_share", model=TUTORIAL_MODEL,
                     tutorial_share=tutorial_share))
    else:
        st.caption(t("quant_tutorial.caption", model=TUTORIAL_MODEL, name=c.model,
                     share=f"{share:.0%}", tutorial_share=tutorial_share))


def show_comparison(c: Comparison) -> None:
    skipped = [r for r in c.rows if r.status != "ok"]
    for r in skipped:
        st.warning(f"**{r.preset}** {tr(r.status)}: {as_text(tr(r.reason), '')}")
    if not c.ok_rows():
        st.error(t("quant_view.no_preset_could_run"))
        return
    st.subheader(t("quant_view.table"))
    table = pd.DataFrame(c.table())
    if (table["status"] == "ok").all():  # the reasons are in the warnings above
        table = table.drop(columns="status")
    table["diverges at token"] = table["diverges at token"].replace("never", t("quant_view.never"))
    two = ("load (s)", "first token (s)", "perplexity")
    presenter.table(headers(table), formats={
        header(k): "%.2f" if k in two else "%.1f"
        for k in table.columns if k.endswith(("(MiB)", "(s)", "(tok/s)", "perplexity"))
        or k.startswith(("chrF", "BLEU"))})
    what = t("quant_view.gpu_memory") if c.device == "cuda" else t("quant_view.rss")
    st.caption(
        t("quant_view.model_on_upper_seconds", model=c.model, upper=c.device.upper(), seconds=c.seconds, reference=c.reference, _memory_column=_memory_column(c), what=what, memory_before_mb=c.memory_before_mb, memory_after_mb=c.memory_after_mb))
    presenter.chart(agreement_chart(c))
    show_beside_tutorial(c)
    st.subheader(t("quant_view.outputs"))
    st.caption(t("quant_view.highlighted_from_the_first"))
    show_outputs(c)
    with st.expander(t("quant_view.how_to_read_this")):
        notes = {r.caveat for r in c.ok_rows() if r.caveat}
        if c.device != "cuda":
            notes.add(t("quant_view.rss_note"))
            notes.add(t("quant_view.no_cuda_note"))
        for note in sorted(notes):
            st.markdown(f"- {tr(note)}")
        st.markdown(t("quant_view.perplexity_is_of_this", escape=html.escape(c.reference_text)))
        st.code("\n".join(f"# {r.preset}: {PRESETS[r.preset].summary}\n"
                          f"model = AutoModelForCausalLM.from_pretrained(name, {r.recipe})"
                          for r in c.rows), language="python")
