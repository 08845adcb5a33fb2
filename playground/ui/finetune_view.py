"""The Fine-tuning page's sections: data, prompt format, special tokens, hyperparameters.

The training run and its results are in ``playground.ui.finetune_run``.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import hashlib
import html

import altair as alt
import pandas as pd
import streamlit as st

from playground.errors import PlaygroundError
from playground.room.pages import LEARNING_RATES, LORA_ALPHAS, LORA_RS
from playground.tuning import data as tdata
from playground.tuning.format import format_name, render_example, token_view
from playground.tuning.loop import ALL_LINEAR, TrainSettings
from playground.tuning.schedule import SCHEDULERS, StepPlan, curve
from playground.tuning.special import lora_parameters, special_token_demo
from playground.ui import presenter
from playground.ui.i18n import language, t
from playground.ui.inputs import KEEP, kept_editor
from playground.ui.text import show_error

UPLOAD = "upload"
DEFAULT = TrainSettings()


def default_source(model_name: str) -> str:
    """The built-in set written for this model and the tab's language, else the first one."""
    lang = language()
    for b in tdata.BUILTINS.values():
        if b.model == model_name and b.lang == lang and not b.labelled:
            return b.name
    for b in tdata.BUILTINS.values():
        if b.model == model_name and not b.labelled:
            return b.name
    return next(iter(tdata.BUILTINS))


def _source_label(name: str) -> str:
    if name == UPLOAD:
        return t("finetune.upload_label")
    b = tdata.BUILTINS[name]
    return t("finetune.builtin_label", name=b.name, description=t(f"finetune.set_{name}"),
             model=b.model)


def data_section(model_name: str, max_records: int) -> tuple[list[tdata.Record], str, list[str]]:
    """The records, the source's name ("upload" or a built-in) and the held-out prompts."""
    options = [*tdata.BUILTINS, UPLOAD]
    if "ft_source" not in st.session_state:
        st.session_state["ft_source"] = default_source(model_name)
    source = st.selectbox(t("finetune.source"), options, format_func=_source_label,
                          persist_state=KEEP, key="ft_source")
    rows: list[dict] = []
    heldout_default: list[str] = []
    if source == UPLOAD:
        file = st.file_uploader(t("finetune.upload"), type=["csv", "jsonl", "json"],
                                help=t("finetune.upload_help"), key="ft_upload")
        if file is None:
            st.info(t("finetune.upload_first"))
            return [], source, []
        try:
            raw = file.getvalue()
            records = tdata.parse_upload(raw, file.name, max_records)
        except PlaygroundError as err:
            show_error(err)
            return [], source, []
        rows = [{"prompt": r.prompt, "response": r.response, "system": r.system}
                for r in records]
        editor_key = "ft_rows_" + hashlib.sha256(raw).hexdigest()[:12]
    else:
        b = tdata.BUILTINS[source]
        if b.model != model_name:
            st.caption(t("finetune.other_model", model=b.model))
        records = tdata.load_builtin(source, split="train" if b.labelled else None)
        rows = [{"prompt": r.prompt, "response": r.response, "system": r.system}
                for r in records]
        heldout_default = tdata.heldout_prompts(source)[:6]
        editor_key = f"ft_rows_{source}"
    edited = kept_editor(rows, editor_key, num_rows="dynamic", width="stretch", height=260,
                         column_config={"prompt": st.column_config.TextColumn("prompt"),
                                        "response": st.column_config.TextColumn("response"),
                                        "system": st.column_config.TextColumn("system")})
    st.caption(t("finetune.table"))
    try:
        records = tdata.records_from_rows(edited, max_records)
    except PlaygroundError as err:
        show_error(err)
        return [], source, heldout_default
    heldout = st.text_area(t("finetune.heldout"), "\n".join(heldout_default), height=120,
                           key=f"ft_heldout_{source}", help=t("finetune.heldout_help"))
    prompts = [line.strip() for line in heldout.splitlines() if line.strip()][:8]
    return records, source, prompts


def dataset_summary(records: list[tdata.Record], settings: TrainSettings) -> None:
    """The records as the notes' ``Dataset`` and their train/validation split."""
    if not records:
        return
    st.markdown(t("finetune.dataset"))
    st.code(str(tdata.to_dataset(records)), language=None)
    train, val = tdata.split(records, settings.validation_fraction, settings.seed)
    st.markdown(t("finetune.split_line", fraction=settings.validation_fraction,
                  seed=settings.seed, train=len(train), validation=len(val)))


def format_section(loaded, records: list[tdata.Record], max_length: int) -> str:
    """One record as the model is trained on it, the loss tokens highlighted; loss_on."""
    loss_on = st.radio(t("finetune.loss_on"), ["response", "all"], horizontal=True,
                       format_func=lambda v: t(f"finetune.loss_{v}"), persist_state=KEEP,
                       key="ft_loss_on")
    chat = format_name(loaded.tokenizer) == "chat template"
    st.markdown(t("finetune.format_is", format=t("finetune.format_name_chat" if chat
                                                  else "finetune.format_name_plain")))
    st.info(t("finetune.format_chat" if chat else "finetune.format_plain", name=loaded.name),
            icon=":material/lightbulb:")
    if not records:
        return loss_on
    i = st.number_input(t("finetune.record"), 1, len(records), 1, key="ft_record") - 1
    with loaded.tokenizer_lock:
        example = render_example(loaded.tokenizer, records[i], loss_on, max_length)
        view = token_view(loaded.tokenizer, example)
    parts = []
    for text, counted in view:
        shown = html.escape(text).replace("\n", "↵<br>")
        style = ("background:#c7f0d2;border-bottom:2px solid #2e7d32" if counted
                 else "background:#eee")
        parts.append(f'<span style="{style};border-radius:3px;padding:0 1px;margin:1px;'
                     f'font-family:monospace">{shown}</span>')
    st.markdown('<div style="line-height:2">' + "".join(parts) + "</div>",
                unsafe_allow_html=True)  # escaped above: a record's text stays text
    st.caption(t("finetune.legend", counted=example.trained_tokens,
                 total=len(example.input_ids)))
    if example.truncated:
        st.caption(t("finetune.legend_truncated", max_length=max_length))
    return loss_on


@st.cache_data(show_spinner=False, max_entries=64)
def _special(model_name: str, token: str, _loaded) -> dict:
    with _loaded.tokenizer_lock:
        demo = special_token_demo(_loaded.tokenizer, _loaded.model, token)
    return demo.__dict__ | {"rows_added": demo.rows_added}


def special_section(loaded) -> None:
    st.markdown(t("finetune.special_intro"))
    token = st.text_input(t("finetune.special_token"), "<user_name>", max_chars=42,
                          key="ft_special")
    try:
        d = _special(loaded.name, token, loaded)
    except PlaygroundError as err:
        show_error(err)
        return
    left, right = st.columns(2)
    left.markdown(t("finetune.pieces_before", n=len(d["pieces_before"])))
    left.code(" | ".join(f"{p} ({i})" for p, i in zip(d["pieces_before"], d["ids_before"])),
              language=None)
    right.markdown(t("finetune.id_after", id=d["id_after"]))
    right.markdown(t("finetune.len_line", before=d["len_before"], after=d["len_after"]))
    st.markdown(t("finetune.rows_line", rows=d["embedding_rows"], dim=d["hidden_size"],
                  after=d["rows_after_resize"], added=d["rows_added"]))
    if d["embedding_rows"] > d["len_after"]:
        st.caption(t("finetune.rows_spare"))


def settings_section(loaded, n_records: int) -> TrainSettings | None:
    """The hyperparameters (TrainingArguments' names), LoRA's, the step arithmetic and the
    learning-rate schedule."""
    st.caption(t("finetune.settings_intro"))
    if st.button(t("finetune.too_high"), help=t("finetune.too_high_help"), key="ft_too_high"):
        st.session_state["ft_lr"] = 0.05
        st.session_state["ft_too_high_note"] = True
    if st.session_state.get("ft_too_high_note"):
        st.warning(t("finetune.too_high_note"))
    a, b, c = st.columns(3)
    lr = a.select_slider("learning_rate", [float(v) for v in LEARNING_RATES],
                         value=DEFAULT.learning_rate, persist_state=KEEP, key="ft_lr",
                         format_func=lambda v: f"{v:g}")
    epochs = a.slider("num_train_epochs", 1, 10, 1, persist_state=KEEP, key="ft_epochs")
    batch = a.slider("per_device_train_batch_size", 1, 16, DEFAULT.per_device_train_batch_size,
                     persist_state=KEEP, key="ft_batch")
    accum = b.slider("gradient_accumulation_steps", 1, 8, 1, persist_state=KEEP,
                     key="ft_accum")
    warmup = b.slider("warmup_ratio", 0.0, 0.5, 0.0, 0.01, persist_state=KEEP, key="ft_warmup")
    sched = b.selectbox("lr_scheduler_type", SCHEDULERS, persist_state=KEEP, key="ft_sched")
    clip = c.slider("max_grad_norm", 0.0, 5.0, DEFAULT.max_grad_norm, 0.1, persist_state=KEEP,
                    key="ft_clip")
    logging = c.slider("logging_steps", 1, 20, 1, persist_state=KEEP, key="ft_logging")
    seed = c.number_input("seed", 0, 2**31 - 1, 0, persist_state=KEEP, key="ft_seed")
    st.subheader(t("finetune.lora"))
    a, b, c = st.columns(3)
    r = a.select_slider("r", [int(v) for v in LORA_RS], DEFAULT.lora_r, persist_state=KEEP,
                        key="ft_r")
    alpha = b.select_slider("lora_alpha", [int(v) for v in LORA_ALPHAS], DEFAULT.lora_alpha,
                            persist_state=KEEP, key="ft_alpha")
    dropout = c.slider("lora_dropout", 0.0, 0.5, DEFAULT.lora_dropout, 0.05,
                       persist_state=KEEP, key="ft_dropout")
    targets = st.multiselect(t("finetune.target_modules"), ALL_LINEAR, list(ALL_LINEAR),
                             persist_state=KEEP, key="ft_targets",
                             placeholder=t("common.choose"))
    count = lora_parameters(loaded.model, r, tuple(targets))
    st.markdown(t("finetune.trainable"))
    st.code(count.line(), language=None)
    settings = TrainSettings(learning_rate=lr, num_train_epochs=epochs,
                             per_device_train_batch_size=batch,
                             gradient_accumulation_steps=accum, warmup_ratio=warmup,
                             lr_scheduler_type=sched, max_grad_norm=clip, logging_steps=logging,
                             seed=int(seed), lora_r=r, lora_alpha=alpha, lora_dropout=dropout,
                             target_modules=tuple(targets),
                             loss_on=st.session_state.get("ft_loss_on", "response"))
    problems = settings.problems()
    if problems:
        st.error("; ".join(problems))
        return None
    _arithmetic(settings, n_records)
    return settings


def _arithmetic(s: TrainSettings, n_records: int) -> None:
    st.subheader(t("finetune.arithmetic"))
    n_train = max(1, n_records - max(1, round(n_records * s.validation_fraction)))
    plan = StepPlan(n_train, s.per_device_train_batch_size, s.gradient_accumulation_steps,
                    s.num_train_epochs)
    st.markdown(t("finetune.arith_line", records=n_train, batch=plan.batch_size,
                  per_epoch=plan.steps_per_epoch, epochs=plan.epochs, steps=plan.steps,
                  accum=plan.accumulation, updates=plan.updates))
    quiz1, quiz2 = StepPlan(10_000, 2, 1, 3), StepPlan(10_000, 2, 2, 3)
    st.markdown(t("finetune.quiz", steps=quiz1.steps, updates=quiz2.updates))
    lrs = curve(plan.updates, s.learning_rate, s.lr_scheduler_type, s.warmup_ratio)
    frame = pd.DataFrame({"update": range(1, len(lrs) + 1), "learning_rate": lrs})
    chart = alt.Chart(frame).mark_line(point=len(lrs) <= 40).encode(
        x=alt.X("update:Q", title=t("finetune.chart_update")),
        y=alt.Y("learning_rate:Q", title=t("finetune.chart_lr"), axis=alt.Axis(format="~e")))
    presenter.chart(chart.properties(height=180, title=t("finetune.schedule",
                                                          updates=plan.updates)))
