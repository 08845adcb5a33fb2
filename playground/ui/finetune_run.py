"""The Fine-tuning page's run: Train and Stop, the live loss curve, before/after, and Use.

A run lives in the server's training line (``playground.tuning.runs``); this tab keeps only
its handle. While it runs, a fragment redraws the curve every second without rerunning the
page; when it ends, the page shows the result and offers the adapter in the picker.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from playground.tuning.adapters import adapter_zip, register_result
from playground.tuning.data import Record, to_jsonl
from playground.tuning.loop import TrainJob, TrainResult, TrainSettings
from playground.tuning.runs import TrainingRun, training_runs
from playground.tuning.script import training_script
from playground.ui import page_model, presenter
from playground.ui.identity import session_id
from playground.ui.i18n import t
from playground.ui.resources import registry
from playground.ui.text import as_text, show_error

RUN = "ft_run"          # this tab's TrainingRun
ADAPTER = "ft_adapter"  # the picker name of this tab's last finished adapter


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def smoothed(values: list[float], weight: float = 0.6) -> list[float]:
    """TensorBoard's smoothing: an exponential moving average, debiased at the start."""
    out, last, n = [], 0.0, 0
    for v in values:
        n += 1
        last = last * weight + (1 - weight) * v
        out.append(last / (1 - weight ** n))
    return out


def loss_chart(run_events: list[dict]) -> alt.Chart | None:
    logs = [e for e in run_events if e.get("kind") == "log"]
    vals = [e for e in run_events if e.get("kind") == "val"]
    if not logs and not vals:
        return None
    raw, smooth, val = t("finetune.series_raw"), t("finetune.series_smooth"), \
        t("finetune.series_val")
    rows = [{"step": e["step"], "loss": e["loss"], "series": raw} for e in logs]
    rows += [{"step": e["step"], "loss": v, "series": smooth}
             for e, v in zip(logs, smoothed([e["loss"] for e in logs]))]
    rows += [{"step": e["step"], "loss": e["loss"], "series": val} for e in vals]
    frame = pd.DataFrame(rows)
    color = alt.Color("series:N", title=None,
                      scale=alt.Scale(domain=[raw, smooth, val],
                                      range=["#9ecae1", "#1f77b4", "#e6550d"]))
    lines = alt.Chart(frame[frame.series != val]).mark_line().encode(
        x=alt.X("step:Q", title=t("finetune.chart_step")),
        y=alt.Y("loss:Q", title=t("finetune.chart_loss")), color=color)
    points = alt.Chart(frame[frame.series == val]).mark_line(point=True, strokeDash=[4, 3]
                                                              ).encode(
        x="step:Q", y="loss:Q", color=color)
    return (lines + points).properties(height=280)


def train_controls(job: TrainJob | None) -> None:
    """Train (queue this tab's job, or join an identical one) and Stop."""
    left, right, _ = st.columns([1, 1, 4])
    go = left.button(t("finetune.train"), type="primary", key="ft_go", disabled=job is None)
    stop = right.button(t("finetune.stop"), key="ft_stop", help=t("finetune.stop_help"))
    run: TrainingRun | None = st.session_state.get(RUN)
    if stop and run is not None and not run.done:
        run.stop(session_id())
        st.session_state["ft_stopping"] = True
    if go and job is not None:
        try:
            if run is not None and not run.done and run.key:
                run.stop(session_id())  # a new run replaces this tab's previous one
            st.session_state[RUN] = training_runs(registry()).request(job, session_id())
            st.session_state["ft_stopping"] = False
            st.session_state.pop(ADAPTER, None)
        except Exception as err:  # a settings error, a full line
            show_error(err)


@st.fragment(run_every=1.0)
def live() -> None:
    """The run's state, redrawn every second until it ends (then the whole page reruns)."""
    run: TrainingRun | None = st.session_state.get(RUN)
    if run is None:
        return
    if run.done:
        if not st.session_state.get("ft_shown") == run.key:
            st.session_state["ft_shown"] = run.key
            st.rerun(scope="app")
        return
    others = len(run.viewers) - 1
    if others > 0:
        st.info(t("finetune.shared", others=others), icon=":material/group:")
    ahead = run.position()
    if ahead:
        wait = training_runs(registry()).running_eta(besides=run)  # the running job's rest
        st.info(t("finetune.queued", ahead=ahead - 1 if ahead > 1 else 1,
                  wait=_duration(wait)) if wait is not None else
                t("finetune.queued_unknown", ahead=ahead), icon=":material/hourglass_top:")
        return
    if st.session_state.get("ft_stopping"):
        st.caption(t("finetune.stopping"))
    phases = run.latest("phase")
    phase = phases[-1]["phase"] if phases else "load"
    logs = run.latest("log")
    plan = next((p for p in phases if p.get("phase") == "train"), None)
    if phase == "train" and logs and plan:
        e = logs[-1]
        st.progress(min(1.0, e["step"] / plan["steps"]),
                    text=t("finetune.progress", step=e["step"], steps=plan["steps"],
                           loss=e["loss"], eta=_duration(e["eta"])))
    elif phase in ("load", "before", "after"):
        st.progress(0.0 if phase != "after" else 1.0,
                    text=t(f"finetune.phase_{phase}", name=run.job.model))
    chart = loss_chart(run.events)
    if chart is not None:
        presenter.chart(chart)


def results(run: TrainingRun, loaded) -> None:
    """The finished run: curve, losses before/after, replies before/after, metrics, Use."""
    if run.error is not None:
        st.error(t("finetune.failed"))
        show_error(run.error)
        return
    r: TrainResult = run.result
    st.subheader(t("finetune.result_head"))
    st.caption(t("finetune.result_line", steps=r.steps, updates=r.updates, seconds=r.seconds,
                 trainable=r.trainable, total=r.total_params))
    if len(run.viewers) > 1:
        st.caption(t("finetune.shared_done", n=len(run.viewers)))
    if r.diverged:
        st.error(t("finetune.diverged"))
    elif r.stopped:
        st.info(t("finetune.stopped_note"))
    events = ([{"kind": "log", **p} for p in r.train_loss]
              + [{"kind": "val", **p} for p in r.validation_loss])
    chart = loss_chart(events)
    if chart is not None:
        presenter.chart(chart)
    if r.validation_loss:
        a, b, c, d = st.columns(4)
        a.metric(t("finetune.val_before"), f"{r.validation_loss[0]['loss']:.3f}")
        b.metric(t("finetune.val_after"), f"{r.validation_loss[-1]['loss']:.3f}",
                 f"{r.validation_loss[-1]['loss'] - r.validation_loss[0]['loss']:+.3f}",
                 delta_color="inverse")
        c.metric(t("finetune.ppl_before"), f"{r.perplexity_before:.1f}",
                 help=t("finetune.ppl_help"))
        d.metric(t("finetune.ppl_after"), f"{r.perplexity_after:.1f}",
                 help=t("finetune.ppl_help"))
    if r.metrics_before:
        st.markdown(t("finetune.metrics", n=r.metrics_before.get("n", 0)))
        presenter.table(pd.DataFrame({
            "": [t("finetune.before_col"), t("finetune.after_col")],
            t("finetune.accuracy"): [r.metrics_before["accuracy"], r.metrics_after["accuracy"]],
            t("finetune.f1"): [r.metrics_before["f1"], r.metrics_after["f1"]]}),
            )
    if r.prompts and r.after:
        st.markdown("**" + t("finetune.before_after") + "**")
        for p, before, after in zip(r.prompts, r.before, r.after):
            with st.container(border=True):
                st.markdown(as_text(p))
                left, right = st.columns(2)
                left.caption(t("finetune.before_col"))
                left.markdown(as_text(before, t("common.nothing")))
                right.caption(t("finetune.after_col"))
                right.markdown(as_text(after, t("common.nothing")))
        st.caption(t("finetune.small_data"))
    _use(run, r)


def _use(run: TrainingRun, r: TrainResult) -> None:
    reg = registry()
    name = st.session_state.get(ADAPTER)
    if name is None or name not in reg.adapter_specs:
        name = st.session_state[ADAPTER] = register_result(reg, r, run.job.label, session_id())
    st.subheader(t("finetune.use_head"))
    st.markdown(t("finetune.adapter_name", name=name))
    a, b, c = st.columns(3)
    if a.button(t("finetune.use"), key="ft_use_persona"):
        page_model.picked("persona_chat", name)
        st.switch_page("pages/persona_chat.py")
    if b.button(t("finetune.use_generate"), key="ft_use_generate"):
        page_model.picked("generate", name)
        st.switch_page("pages/generate.py")
    c.download_button(t("finetune.download"), adapter_zip(r.adapter),
                      file_name=f"{run.job.label}-lora.zip", mime="application/zip",
                      key="ft_download")
    with st.expander(t("finetune.view_code")):
        st.code(training_script(run.job), language="python")
        st.download_button("train.jsonl", to_jsonl(list(run.job.records)),
                           file_name="train.jsonl", key="ft_download_data")


def make_job(model: str, records: list[Record], settings: TrainSettings | None,
             prompts: list[str], source: str) -> TrainJob | None:
    if settings is None or len(records) < 2:
        return None
    from playground.tuning.metrics import is_labelled

    return TrainJob(model, tuple(records), settings, tuple(prompts),
                    eval_set=source if is_labelled(source) else "",
                    label=source if source != "upload" else "my-data")
