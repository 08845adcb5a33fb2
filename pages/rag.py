"""RAG: search the web (or your documents), put numbered sources into the prompt, answer with
[n] citations, and compare with the answer the model gives without them."""

import streamlit as st

from playground.errors import PlaygroundError, SearchError
from playground.rag.documents import document_search
from playground.rag.gate import shared_provider, web_search
from playground.rag.search import PACKAGE_NOTE
from playground.rag.prompt import build_prompt
from playground.serving.settings import GenerationSettings
from playground.ui.inputs import KEEP
from playground.ui.rag_view import (answer_slots, compare_rankings, documents_input, renderer,
                                    retrieval_widgets,
                                    show_answers, show_prompt, show_sources)
from playground.ui.board_view import post_answer
from playground.ui.made_with import made_with, remember
from playground.ui.resources import current_model, registry
from playground.ui.text import error_text
from playground.ui.widgets import (collect_interrupted, settings_widgets, show_error,
                                   stream_outputs)
from playground.ui import presenter
from playground.ui.i18n import t, tr

WEB, DOCS = "Web search (DuckDuckGo)", "Local documents"

st.title(t("rag.rag_answers_from_sources"))
st.caption(t("rag.retrieval_augmented_generation_find"))

config = registry().config.search
with st.sidebar:
    st.subheader(t("rag.retrieval"))
    options, budget = retrieval_widgets("rag", config, st.sidebar)
    st.subheader(t("rag.decoding"))
    settings = settings_widgets("rag", st.sidebar, defaults=GenerationSettings.transformers_defaults(max_new_tokens=96))

loaded = current_model()

mode = st.radio(t("rag.sources_from"), [WEB, DOCS], horizontal=True, persist_state=KEEP, key="rag_source",
                format_func=lambda m: t("rag.web" if m == WEB else "rag.docs"),
                help=t("rag.web_search_needs_the") + " " + tr(PACKAGE_NOTE))
documents = documents_input("rag", config) if mode == DOCS else []
if mode == WEB:
    shared_provider(config.provider)  # import the search library now, not during the search
question = st.text_input(t("rag.question"), persist_state=KEEP, key="rag_question",
                         placeholder=t("rag.e_g_how_high"))

left, right, _ = st.columns([2, 1, 5])
go = left.button(t("rag.search_and_answer") if mode == WEB else t("rag.answer_from_documents"),
                 type="primary", disabled=settings is None or options is None)
right.button(t("rag.stop"), help=t("rag.stops_only_your_own"))
presenter.results_start()  # the result: first on the projector


def answer(sources, origin: str, note: str = "") -> None:
    """Build the prompt, show sources and prompt, stream both answers, keep the result."""
    rag = build_prompt(loaded, question, sources, settings.max_new_tokens, budget)
    if rag.sources:
        show_sources(rag, origin, note)
    show_prompt(rag, loaded.name)
    slots = answer_slots(rag)
    st.session_state["rag_pending"] = (rag, origin, note)
    st.session_state["rag_settings"] = settings  # what makes this answer (for its post)
    handle = loaded.service.submit(rag.request(settings))
    result = stream_outputs("rag_handle", handle, slots, renderer(rag))
    show_answers(rag, result, slots)
    st.session_state["rag_last"] = (rag, origin, note, result)


shown = False
interrupted = collect_interrupted("rag_handle")
if interrupted is not None and st.session_state.get("rag_pending"):
    st.session_state["rag_last"] = (*st.session_state["rag_pending"], interrupted)

if go:
    st.session_state.pop("rag_failed", None)
    st.session_state.pop("rag_last", None)
    remember("rag")  # the inputs (and lesson step) that make this answer
    try:
        if not question.strip():
            raise PlaygroundError("type a question first", key="errors.no_question")
        if mode == WEB:
            with st.spinner(t("rag.searching_the_room_s")):
                outcome = web_search(question, options, config)
            note = (f"{len(outcome.sources)} results in {outcome.elapsed_s:.1f} s"
                    + (" (from the shared cache: no new search was sent)" if outcome.cached
                       else ""))
            answer(outcome.sources, "web", note)
        else:
            answer(document_search(question, documents, options.max_results), "documents",
                   "Passages ranked by BM25 (word overlap, rare words count more).")
        shown = True
    except SearchError as err:
        st.session_state["rag_failed"] = error_text(err)  # this tab's language
    except Exception as err:
        show_error(err)

failed = st.session_state.get("rag_failed")
if failed and mode == WEB:
    st.error(failed)
    col, hint = st.columns([2, 5])
    if col.button(t("rag.answer_without_web_context"), disabled=settings is None):
        remember("rag")
        try:
            answer([], "none")
            shown = True
        except Exception as err:
            show_error(err)
    hint.caption(t("rag.or_choose_local_documents"))

last = st.session_state.get("rag_last")
if last is not None and not shown:
    rag, origin, note, result = last
    if rag.sources:
        show_sources(rag, origin, note)
    show_prompt(rag, loaded.name)
    show_answers(rag, result, answer_slots(rag))
if mode == DOCS:  # BM25 next to the model's own vectors and a hybrid
    compare_rankings(loaded, question, documents)
if (posted := st.session_state.get("rag_last")) is not None:  # "Post to the room"
    made_with("rag")  # "Made with: …" (and whether the inputs changed since)
    post_answer(posted[0], posted[3], loaded.name, st.session_state.get("rag_settings", settings))
