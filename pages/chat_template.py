"""Chat template: the exact string and tokens a conversation becomes, and the fallbacks."""

import json

import streamlit as st

from playground.ui.inputs import KEEP, kept_editor
from playground.ui.text import show_error
from playground.prompting.inspector import TEMPLATE_CHOICES, inspect_chat, with_template
from playground.errors import PlaygroundError
from playground.ui.prompt_widgets import ROLE_COLOURS, show_tokens
from playground.ui.resources import current_model
from playground.ui.i18n import t, tr

START = [
    {"role": "system", "content": "You are a helpful pirate."},
    {"role": "user", "content": "Hello! Who are you?"},
    {"role": "assistant", "content": "Arr, I be Captain Smol."},
    {"role": "user", "content": "Where is the treasure?"},
]
SUPPORT = {"supported": "success", "merged": "warning", "no-template": "warning",
           "broken": "error"}  # the texts: chat_template.support_* in the catalogues

st.title(t("chat_template.chat_template"))
st.caption(t("chat_template.a_chat_model_was"))

loaded = current_model(
    needs_local=t("resources.template_reads_local"))
choice = st.radio(t("chat_template.template"), list(TEMPLATE_CHOICES), format_func=lambda c: tr(TEMPLATE_CHOICES[c]),
                  horizontal=True, persist_state=KEEP, key="tmpl_choice",
                  help=t("chat_template.the_stand_ins_use"))
rows = kept_editor(
    START, key="tmpl_messages", num_rows="dynamic", width="stretch",
    column_config={
        "role": st.column_config.SelectboxColumn("role", options=["system", "user", "assistant"],
                                                 required=True, width="small"),
        "content": st.column_config.TextColumn("content", width="large")})
messages = [{"role": r.get("role") or "user", "content": r.get("content") or ""} for r in rows
            if r.get("role") or r.get("content")]

tokenizer = with_template(loaded.tokenizer, choice)
try:
    ins = inspect_chat(tokenizer, messages, lock=loaded.tokenizer_lock)
except PlaygroundError as err:
    show_error(err)
    st.stop()

kind, text = SUPPORT[ins.system], t("chat_template.support_" + ins.system.replace("-", "_"))
getattr(st, kind)(text)
if ins.rendered.fallback == "system-merged":
    st.caption(t("chat_template.messages_actually_rendered"))
    st.json(ins.rendered.messages, expanded=False)

left, right = st.columns(2)
left.markdown(t("chat_template.with_the_generation_prompt"))
left.code(ins.rendered.text, language=None, wrap_lines=True)
right.markdown(t("chat_template.without_it_add_generation"))
right.code(ins.without_prompt.text, language=None, wrap_lines=True)

st.subheader(t("chat_template.count_tokens", count=ins.tokens.count))
counts = ins.counts()
for col, (role, n) in zip(st.columns(len(counts)), counts.items()):
    col.metric(t("chat_template.role_tokens", role=t("chat_template.template_role") if role == "template" else role), f"{n}",
               help=t("chat_template.template_tokens_help")
               if role == "template" else t("chat_template.role_tokens_help", role=role))
st.markdown(" ".join(
    f'<span style="background:{c};padding:1px 6px;border-radius:4px">'
    f'{t("chat_template.template_role") if r == "template" else r}</span>'
    for r, c in ROLE_COLOURS.items()) + ' <span style="color:#c62828;font-weight:600">'
    + t("chat_template.red_special_token") + '</span>', unsafe_allow_html=True)
show_tokens(ins.tokens.views, ins.roles)

with st.expander(t("chat_template.the_template_itself_jinja")):
    source = getattr(tokenizer, "chat_template", None)
    st.code(source or "(no chat template)", language="jinja2", wrap_lines=True)
with st.expander(t("chat_template.these_messages_as_json")):
    st.code(json.dumps(messages, ensure_ascii=False, indent=2), language="json")
    st.caption(t("chat_template.save_as", command="python -m playground template --messages "
                 f"messages.json --model {loaded.name}"
                 + ("" if choice == "own" else f" --template {choice}")))
