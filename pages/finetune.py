"""Fine-tuning: LoRA on the resident models, a live loss curve, and the model before and after."""

import streamlit as st

from playground.serving.adapter_models import AdapterModel
from playground.ui.finetune_run import RUN, live, make_job, results, train_controls
from playground.ui.finetune_view import (data_section, dataset_summary, format_section,
                                         settings_section, special_section)
from playground.ui.i18n import t
from playground.ui.room_data_view import contribute_form
from playground.ui.resources import current_model, registry

st.title(t("finetune.title"))
st.caption(t("finetune.caption"))

loaded = current_model(needs_local=t("finetune.remote"))
base = loaded.base_model if isinstance(loaded, AdapterModel) else loaded
if base is not loaded:
    st.info(t("finetune.base_note", name=base.name, adapter=loaded.name))

tab_data, tab_format, tab_special, tab_settings, tab_train = st.tabs(
    [t("finetune.tab_data"), t("finetune.tab_format"), t("finetune.tab_special"),
     t("finetune.tab_settings"), t("finetune.tab_train")])
with tab_data:
    records, source, prompts = data_section(base.name, registry().config.training.max_records)
    contribute_form()  # the room's own dataset
with tab_format:
    format_section(base, records, 128)
with tab_special:
    special_section(base)
with tab_settings:
    settings = settings_section(base, len(records))
with tab_data:
    if settings is not None:
        dataset_summary(records, settings)
with tab_train:
    job = make_job(base.name, records, settings, prompts, source)
    if job is None:
        st.info(t("finetune.nothing_to_train"))
    train_controls(job)
    run = st.session_state.get(RUN)
    if run is None:
        st.info(t("finetune.no_run"))
    elif run.done:
        results(run, base)
    else:
        live()
