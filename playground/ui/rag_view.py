"""Pieces of the RAG page: retrieval options, documents input, sources, prompt and answers.

Everything retrieved is untrusted: titles and passages are escaped, only http(s) links are made
clickable, and the answer's own text is escaped with its [n] citations turned into links.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.ui.text import show_error
from playground.config import SearchConfig
from playground.errors import DocumentError, SettingsError
from playground.rag.documents import Document, folder_documents, pasted, read_upload
from playground.rag.prompt import BUDGET, RagPrompt, answer_markdown, cited, source_anchor
from playground.rag.search import MAX_RESULTS, REGIONS, TIME_LABELS, SearchOptions
from playground.rag.sources import escape_markdown, markdown_link
from playground.serving.service import GenerationResult
from playground.ui.widgets import timings_caption

PROVIDER_NAMES = {"langchain": "langchain-community's DuckDuckGoSearchResults",
                  "ddgs": "the ddgs package"}


def retrieval_widgets(prefix: str, config: SearchConfig, container) -> tuple:
    """(SearchOptions or None, prompt budget in tokens) from the sidebar controls."""
    c = container
    regions = list(REGIONS) if config.region in REGIONS else [config.region, *REGIONS]
    region = c.selectbox("Region", regions, index=regions.index(config.region),
                         key=f"{prefix}_region",
                         format_func=lambda r: f"{r} ({REGIONS.get(r, 'configured')})")
    times = list(TIME_LABELS)
    time = c.selectbox("Time range", times, key=f"{prefix}_time",
                       index=times.index(config.time) if config.time in times else 0,
                       format_func=TIME_LABELS.get,
                       help="langchain's wrapper defaults to the past year; 'any time' sets "
                            "no limit.")
    n = c.slider("Results / passages", int(MAX_RESULTS.low), int(MAX_RESULTS.high),
                 min(max(config.max_results, 1), 10), key=f"{prefix}_n", help=MAX_RESULTS.help)
    budget = c.slider("Prompt budget (tokens)", int(BUDGET.low), int(BUDGET.slider_high), 1024,
                      int(BUDGET.step), key=f"{prefix}_budget", help=BUDGET.help)
    c.caption(f"Web search: {PROVIDER_NAMES.get(config.provider, config.provider)} (the "
              f"instructor's setting). One search at a time for the whole room; identical "
              f"searches reuse results for {config.cache_ttl_s / 60:g} min.")
    try:
        return SearchOptions(region=region, time=time, max_results=n), budget
    except SettingsError as err:
        for problem in err.problems:
            c.error(problem)
        return None, budget


def documents_input(prefix: str, config: SearchConfig) -> list[Document]:
    """This session's pasted text and uploads, plus the instructor's folder."""
    docs: list[Document] = []
    text = st.text_area("Paste a document", key=f"{prefix}_paste", height=140,
                        placeholder="Paste any text: lecture notes, an article, a manual page…",
                        help="Stays in your browser session only; nobody else sees it.")
    uploads = st.file_uploader("…or upload .txt / .md files", type=["txt", "md"],
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
        st.caption(f"Also searched: the instructor's folder ({len(shared)} files).")
    return docs + shared


def show_sources(rag: RagPrompt, origin: str, note: str = "") -> None:
    """Numbered cards: title (a link only for http/https), where it came from, the passage."""
    n = len(rag.sources)
    label = ("web result" if origin == "web" else "document passage") + ("" if n == 1 else "s")
    st.subheader(f"Sources ({n} {label} in the prompt)")
    if note:
        st.caption(note)
    if rag.dropped:
        st.caption(f"{rag.dropped} more did not fit the budget of {rag.budget_tokens} tokens "
                   f"and were left out.")
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
    with st.expander(f"The prompt {loaded_name} receives: {rag.prompt_tokens} tokens "
                     f"(budget {rag.budget_tokens}, context {rag.context_length})"):
        if rag.trimmed:
            st.info("The last source was shortened (…) to fit the token budget.")
        if rag.rendered.fallback == "plain-text":
            st.info("This model has no chat template: a plain User:/Assistant: transcript is "
                    "sent instead.")
        st.caption("Everything below is injected text: the instructions, one worked example "
                    "that shows the citation format, the sources and your question.")
        st.code(rag.rendered.text, language=None, wrap_lines=True)


def answer_slots(rag: RagPrompt) -> list:
    if rag.with_context is None:
        st.markdown("**Without retrieval** (the model alone)")
        return [st.empty()]
    left, right = st.columns(2)
    left.markdown("**With the sources**")
    right.markdown("**Without retrieval** (same question, no sources)")
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
        note = "" if sample.finish_reason in ("eos", None) else f"  \n*({sample.finish_reason})*"
        slot.markdown((render(row, sample.text) if sample.text else "*(empty)*") + note)
    if rag.with_context is not None:
        numbers = cited(result.samples[0].text)
        valid = [k for k in numbers if 1 <= k <= len(rag.sources)]
        bad = [k for k in numbers if k not in valid]
        if valid:
            st.caption("Cites " + ", ".join(f"[{k}] {rag.sources[k - 1].title}" for k in valid))
        else:
            st.caption("This answer cites no source: small models often skip the citation "
                       "even when told to. Compare it with the sources yourself.")
        if bad:
            st.warning(f"The answer cites {', '.join(f'[{k}]' for k in bad)}, but there are "
                       f"only {len(rag.sources)} sources: an invented citation.")
    st.caption(timings_caption(result))
