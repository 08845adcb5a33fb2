"""Pieces of the RAG page: retrieval options, documents input, sources, prompt and answers.

Everything retrieved is untrusted: titles and passages are escaped, only http(s) links are made
clickable, and the answer's own text is escaped with its [n] citations turned into links.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.ui import presenter
from playground.ui.inputs import KEEP
from playground.ui.text import show_error
from playground.config import SearchConfig
from playground.errors import DocumentError, SettingsError
from playground.rag.documents import Document, folder_documents, pasted, read_upload
from playground.rag.prompt import BUDGET, RagPrompt, answer_markdown, cited, source_anchor
from playground.rag.search import MAX_RESULTS, REGIONS, TIME_LABELS, SearchOptions
from playground.rag.sources import escape_markdown, markdown_link
from playground.serving.service import GenerationResult
from playground.ui.widgets import timings_caption
from playground.ui.i18n import language, t, tr

PROVIDER_NAMES = {"langchain": "langchain-community's DuckDuckGoSearchResults",
                  "ddgs": "the ddgs package"}


def retrieval_widgets(prefix: str, config: SearchConfig, container) -> tuple:
    """(SearchOptions or None, prompt budget in tokens) from the sidebar controls."""
    c = container
    regions = list(REGIONS) if config.region in REGIONS else [config.region, *REGIONS]
    default = "jp-jp" if language() == "ja" and config.region == "wt-wt" else config.region
    region = c.selectbox(t("rag_view.region"), regions, index=regions.index(default),
                         persist_state=KEEP, key=f"{prefix}_region",
                         format_func=lambda r: f"{r} ({tr(REGIONS.get(r, 'configured'))})")
    times = list(TIME_LABELS)
    time = c.selectbox(t("rag_view.time_range"), times, persist_state=KEEP, key=f"{prefix}_time",
                       index=times.index(config.time) if config.time in times else 0,
                       format_func=lambda k: tr(TIME_LABELS[k]),
                       help=t("rag_view.langchain_s_wrapper_defaults"))
    n = c.slider(t("rag_view.results_passages"), int(MAX_RESULTS.low), int(MAX_RESULTS.high),
                 min(max(config.max_results, 1), 10), persist_state=KEEP, key=f"{prefix}_n", help=tr(MAX_RESULTS.help))
    budget = c.slider(t("rag_view.prompt_budget_tokens"), int(BUDGET.low), int(BUDGET.slider_high), 1024,
                      int(BUDGET.step), persist_state=KEEP, key=f"{prefix}_budget", help=tr(BUDGET.help))
    c.caption(t("rag_view.web_search_get_the", get=tr(PROVIDER_NAMES.get(config.provider, config.provider)), v1=config.cache_ttl_s / 60))
    try:
        return SearchOptions(region=region, time=time, max_results=n), budget
    except SettingsError as err:
        for problem in err.problems:
            c.error(tr(problem))
        return None, budget


def documents_input(prefix: str, config: SearchConfig) -> list[Document]:
    """This session's pasted text and uploads, plus the instructor's folder."""
    docs: list[Document] = []
    text = st.text_area(t("rag_view.paste_a_document"), key=f"{prefix}_paste", height=140,
                        placeholder=t("rag_view.paste_any_text_lecture"),
                        help=t("rag_view.stays_in_your_browser"))
    uploads = st.file_uploader(t("rag_view.or_upload_txt_md"), type=["txt", "md"],
                               accept_multiple_files=True, key=f"{prefix}_uploads")
    try:
        if text.strip():
            docs.append(pasted(text))
    except DocumentError as err:
        show_error(err)
    for up in uploads or []:
        try:
            docs.append(read_upload(up.name, up.getvalue()))
        except DocumentError as err:
            show_error(err)
    try:
        shared = folder_documents(config.docs_dir)
    except DocumentError as err:
        st.warning(str(err))
        shared = []
    if shared:
        st.caption(t("rag_view.also_searched_the_instructor", len=len(shared)))
    return docs + shared


def show_sources(rag: RagPrompt, origin: str, note: str = "") -> None:
    """Numbered cards: title (a link only for http/https), where it came from, the passage."""
    n = len(rag.sources)
    label = ("web result" if origin == "web" else "document passage") + ("" if n == 1 else "s")
    st.subheader(t("rag_view.sources_n_label_in", n=n, label=label))
    if note:
        st.caption(note)
    if rag.dropped:
        st.caption(t("rag_view.dropped_more_did_not", dropped=rag.dropped, budget_tokens=rag.budget_tokens))
    for k, s in enumerate(rag.sources, start=1):
        with st.container(border=True):
            title = markdown_link(escape_markdown(s.title), s.url, s.url or "")
            st.markdown(f"**\\[{k}\\]** {title}")
            where = s.location or s.url or ""  # the host: the title above is the link
            score = f" · BM25 score {s.score:.2f}" if s.score is not None else ""
            st.caption(escape_markdown(where) + score)
            st.markdown(escape_markdown(s.snippet))
            # an invisible target for the answer's [k] links to document passages
            st.html(f'<div id="{source_anchor(k)}"></div>')


def show_prompt(rag: RagPrompt, loaded_name: str) -> None:
    with st.expander(t("rag_view.the_prompt_loaded_name", loaded_name=loaded_name, prompt_tokens=rag.prompt_tokens, budget_tokens=rag.budget_tokens, context_length=rag.context_length)):
        if rag.trimmed:
            st.info(t("rag_view.the_last_source_was"))
        if rag.rendered.fallback == "plain-text":
            st.info(t("rag_view.this_model_has_no"))
        st.caption(t("rag_view.everything_below_is_injected"))
        st.code(rag.rendered.text, language=None, wrap_lines=True)


def answer_slots(rag: RagPrompt) -> list:
    if rag.with_context is None:
        st.markdown(t("rag_view.without_retrieval_the_model"))
        return [st.empty()]
    left, right = st.columns(2)
    left.markdown(t("rag_view.with_the_sources"))
    right.markdown(t("rag_view.without_retrieval_same_question"))
    return [left.empty(), right.empty()]


def renderer(rag: RagPrompt):
    """Row 0 with sources gets citation links; every row is escaped."""
    def render(row: int, text: str) -> str:
        if rag.with_context is not None and row == 0:
            return answer_markdown(text, rag.sources)
        return escape_markdown(text)
    return render


def show_answers(rag: RagPrompt, result: GenerationResult, slots: list) -> None:
    render = renderer(rag)
    for row, (slot, sample) in enumerate(zip(slots, result.samples)):
        note = "" if sample.finish_reason in ("eos", None) else f"  \n*({tr(sample.finish_reason)})*"
        slot.markdown((render(row, sample.text) if sample.text else t("common.empty")) + note)
    if rag.with_context is not None:
        numbers = cited(result.samples[0].text)
        valid = [k for k in numbers if 1 <= k <= len(rag.sources)]
        bad = [k for k in numbers if k not in valid]
        if valid:
            st.caption(t("rag_view.cites") + ", ".join(f"[{k}] {rag.sources[k - 1].title}" for k in valid))
        else:
            st.caption(t("rag_view.this_answer_cites_no"))
        if bad:
            st.warning(t("rag_view.the_answer_cites_join", join=', '.join(f'[{k}]' for k in bad), len=len(rag.sources)))
    st.caption(timings_caption(result))


def compare_rankings(loaded, question: str, documents: list) -> None:
    """Local documents ranked by BM25, by the model's own vectors and by both (RRF), side by
    side, on request (each passage costs one pass of the model)."""
    from playground.errors import PlaygroundError
    from playground.rag import dense

    with st.expander(t("rag_dense.title")):
        st.caption(t("rag_dense.explain", tokens=dense.DENSE_TOKENS, k=dense.RRF_K,
                     limit=dense.MAX_DENSE_CHUNKS))
        key = (loaded.name, question, tuple(d.text for d in documents))
        if st.button(t("rag_dense.rank"), key="rag_dense_go",
                     disabled=not documents or not question.strip()):
            try:
                with st.spinner(t("rag_dense.ranking")):
                    st.session_state["rag_dense"] = (key, dense.compare(loaded, question,
                                                                        documents))
            except PlaygroundError as err:
                show_error(err)
        kept = st.session_state.get("rag_dense")
        if not kept or kept[0] != key:
            st.caption(t("rag_dense.needs_inputs"))
            return
        c = kept[1]
        if c.embedded < c.total:
            st.warning(t("rag_dense.only_first", embedded=c.embedded, total=c.total))
        presenter.table([{
            t("rag_dense.passage"): r.chunk.to_source().title,
            t("rag_dense.bm25_rank"): r.bm25_rank if r.bm25_rank is not None else "–",
            t("rag_dense.vector_rank"): r.dense_rank,
            t("rag_dense.hybrid_rank"): r.hybrid_rank,
            t("rag_dense.cosine"): r.cosine,
            t("rag_dense.start"): r.chunk.text[:80]} for r in c.rows])
        st.caption(t("rag_dense.layer_note", layer=c.layer, layers=c.layers))
