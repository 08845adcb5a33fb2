"""The room's own dataset: the participants' form, the board post's "use as an example", and
the instructor's review, training and broadcast (Admin).

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from playground.errors import PlaygroundError
from playground.room import broadcast, examples
from playground.room.links import encode_link
from playground.room.store import room_store
from playground.serving.registry import Registry
from playground.tuning.adapters import register_result, share_with_room
from playground.tuning.loop import TrainJob, TrainSettings
from playground.tuning.runs import training_runs
from playground.ui import presenter
from playground.ui.identity import session_id
from playground.ui.i18n import headers, t
from playground.ui.text import show_error

ROOM_RUN = "admin_room_run"
ROOM_MODELS = ("gemma-3-270m", "smollm2-135m-instruct")
ROOM_LEARNING_RATES = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3)
ROOM_LEARNING_RATE = 5e-4  # a room's few dozen examples: a little above TrainingArguments' 5e-5


def contribute_form() -> None:
    """Fine-tuning page: add one example to the room's dataset."""
    with st.expander(t("finetune.contribute_head"), icon=":material/group_add:"):
        with st.form("ft_contribute", clear_on_submit=True):
            prompt = st.text_area(t("finetune.contribute_prompt"), max_chars=2000,
                                  key="ft_contrib_prompt", height=80)
            response = st.text_area(t("finetune.contribute_response"), max_chars=2000,
                                    key="ft_contrib_response", height=80)
            sent = st.form_submit_button(t("finetune.contribute"), key="ft_contrib_go")
        if sent:
            try:
                examples.add_example(room_store(), session=session_id(), prompt=prompt,
                                     response=response)
                st.success(t("finetune.contributed"))
            except PlaygroundError as err:
                show_error(err)


def room_dataset_section(reg: Registry) -> None:
    """Admin: review the examples, export them, train the room's adapter, broadcast it."""
    st.subheader(t("room_data.title"))
    store = room_store()
    rows = examples.list_examples(store)
    if not rows:
        st.caption(t("room_data.none"))
        return
    frame = pd.DataFrame([{"id": e.id, "status": e.status, "prompt": e.prompt,
                           "response": e.response, "name": e.name} for e in rows])
    edited = st.data_editor(
        frame, key="admin_examples", hide_index=True, width="stretch", disabled=[
            "id", "prompt", "response", "name"],
        column_config={"status": st.column_config.SelectboxColumn(
            t("room_data.status"), options=list(examples.STATUSES), required=True)})
    changed = [(int(r["id"]), r["status"]) for r, (_, old) in
               zip(edited.to_dict("records"), frame.iterrows()) if r["status"] != old["status"]]
    for example_id, status in changed:
        examples.set_status(store, example_id, status)
    accepted = examples.list_examples(store, "accepted")
    a, b, c = st.columns(3)
    if a.button(t("room_data.accept_all"), key="admin_examples_all"):
        for e in rows:
            if e.status == "pending":
                examples.set_status(store, e.id, "accepted")
        st.rerun()
    b.download_button(t("room_data.export_jsonl"), examples.export_jsonl(rows),
                      "room_dataset.jsonl", "application/json", key="admin_examples_jsonl")
    c.download_button(t("room_data.export_csv"), examples.export_csv(rows), "room_dataset.csv",
                      "text/csv", key="admin_examples_csv")
    st.caption(t("room_data.accepted", n=len(accepted)))
    model = st.selectbox(t("room_data.model"), ROOM_MODELS, key="admin_room_model")
    epochs = st.slider("num_train_epochs", 1, 10, 3, key="admin_room_epochs")
    lr = st.select_slider("learning_rate", ROOM_LEARNING_RATES, ROOM_LEARNING_RATE,
                          format_func=lambda v: f"{v:g}", key="admin_room_lr",
                          help=t("room_data.lr_help"))
    if st.button(t("room_data.train"), type="primary", key="admin_room_train",
                 disabled=len(accepted) < 2):
        job = TrainJob(model, tuple(examples.accepted_records(store)),
                       TrainSettings(num_train_epochs=epochs, learning_rate=lr), label="room")
        try:
            st.session_state[ROOM_RUN] = training_runs(reg).request(job, session_id())
        except PlaygroundError as err:
            show_error(err)
    _room_run(reg)


@st.fragment(run_every=2.0)
def _room_run(reg: Registry) -> None:
    run = st.session_state.get(ROOM_RUN)
    if run is None:
        return
    if not run.done:
        logs, phases = run.latest("log"), run.latest("phase")
        steps = next((p["steps"] for p in phases if p.get("steps")), 1)
        done = logs[-1]["step"] / max(1, steps) if logs else 0.0
        st.progress(min(1.0, done), text=t("room_data.training", ahead=run.position()))
        return
    if run.error is not None:
        show_error(run.error)
        return
    name = register_result(reg, run.result, "room", session_id())
    share_with_room(reg, name)
    st.success(t("room_data.ready", name=name))
    note = st.text_input(t("room_data.note"), t("room_data.note_default"),
                         key="admin_room_note", max_chars=200)
    if st.button(t("room_data.broadcast"), key="admin_room_broadcast"):
        link = encode_link("persona_chat", {"model": name})
        broadcast.publish(room_store(), link, note)
        st.success(t("room_data.broadcast_done"))
    presenter.table(headers([{"step": p["step"], "loss": round(p["loss"], 4)}
                             for p in run.result.train_loss]), height=160)
