"""The room board in Streamlit: "Post to the room" on the pages, and the live Board page.

Everything a participant wrote (post text, display name, model id) is drawn with ``st.text``,
never as Markdown or HTML: an ``<img onerror=...>`` or a Markdown image in a post stays
characters on everyone's screen and loads nothing.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from playground.textfiles import visible
from playground.errors import PlaygroundError
from playground.lab import metrics
from playground.room import board, examples
from playground.room.admin import ago
from playground.room.store import room_store
from playground.serving.fairshare import acting_for, session_ledger
from playground.ui import presenter
from playground.ui.i18n import error_text, t, tr
from playground.ui.identity import client_id, session_id
from playground.ui.room_bar import step_label
from playground.ui.resources import registry
from playground.ui.sampling_lab import sweep_heatmap
from playground.ui.made_with import made, page_inputs
from playground.ui.share import open_step

NAME = "board_name"      # session: the display name this participant chose ("" = anonymous)
POLL_S = 2               # the Board page looks for new posts this often (seconds)
SHOWN = 200              # posts drawn at most (the newest; exports hold every post)
PAGE_NAV = {"generate": "nav.generate", "sampling_compare": "nav.compare",
            "persona_chat": "nav.persona_chat", "rag": "nav.rag_section"}


def page_title(page: str) -> str:
    """The page's title in the session's language (the post's own id when unknown)."""
    return t(PAGE_NAV[page]) if page in PAGE_NAV else page


def touch_presence(page: str) -> None:
    """This tab is open on ``page`` (the Admin page's list of participants); the requests
    this run submits count against this participant's fair share."""
    page = page or "generate"
    session_ledger().touch(session_id(), page, st.session_state.get(NAME) or None)
    acting_for(f"{session_id()}/{page}")


# -- posting --------------------------------------------------------------------------------
def _post(page: str, options: list[dict], key: str) -> None:
    """Button callback: store the chosen option; the outcome is shown on the next run."""
    choice = options[st.session_state.get(f"{key}_pick", 0) or 0]
    name = st.session_state.get(f"{key}_name", "")
    st.session_state[NAME] = name
    # what made the result (captured when its button was pressed), not the widgets now
    capture = made(page) or {"inputs": page_inputs(page), "step": None}
    try:
        room = registry().config.room
        p = board.add_post(room_store(), session=session_id(), page=page, name=name,
                           inputs=capture["inputs"], step=capture["step"], client=client_id(),
                           posts_per_minute=room.posts_per_minute,
                           room_posts_per_minute=room.room_posts_per_minute,
                           **{k: v for k, v in choice.items() if k != "label"})
        session_ledger().touch(session_id(), name=name)
        st.session_state[f"{key}_flash"] = ("ok", t("board_view.posted", id=p.id))
    except PlaygroundError as err:
        st.session_state[f"{key}_flash"] = ("error", error_text(err))


def post_popover(page: str, options: list[dict], key: str) -> None:
    """A "Post to the room" popover: pick what to post, an optional name, Post."""
    flash = st.session_state.pop(f"{key}_flash", None)
    if flash:
        (st.success if flash[0] == "ok" else st.error)(flash[1])
    if not options:
        return
    with st.popover(t("board_view.post_to_the_room"), icon=":material/forum:"):
        if len(options) > 1:
            st.radio(t("board_view.what_to_post"), range(len(options)), key=f"{key}_pick",
                     format_func=lambda i: options[i]["label"])
        st.text_input(t("board_view.your_name"), st.session_state.get(NAME, ""),
                      max_chars=board.MAX_NAME, key=f"{key}_name")
        st.caption(t("board_view.everyone_sees"))
        st.button(t("board_view.post"), type="primary", key=f"{key}_go", on_click=_post,
                  args=(page, options, key))


def _settings(s) -> dict:
    return board.settings_dict(s) if s is not None else {}


def post_samples(result, model: str, settings) -> None:
    """Generate: one of the samples (distinct-2 over all of them as the metric)."""
    texts = result.texts()
    d2 = metrics.distinct_n(texts, 2) if len(texts) > 1 else None
    post_popover("generate", [
        {"label": t("board_view.sample_n", n=i + 1), "text": text, "model": model,
         "settings": {**_settings(settings), "seed": result.samples[i].seed},
         "metric_name": "distinct-2" if d2 is not None else "", "metric": d2}
        for i, text in enumerate(texts)], "gen_post")


def post_columns(results, model: str) -> None:
    """Compare: one column (its samples, its settings, its Self-BLEU)."""
    post_popover("sampling_compare", [
        {"label": t("board_view.column_n", n=i + 1, label=tr(r.label)), "text": "\n\n---\n\n".join(r.texts),
         "model": model, "settings": _settings(r.settings),
         "metric_name": "Self-BLEU" if r.self_bleu_avg is not None else "",
         "metric": r.self_bleu_avg} for i, r in enumerate(results)], "compare_post")


def post_reply(turns: list[dict], model: str, settings) -> None:
    """Persona chat: the last reply (with the message it answers)."""
    replies = [i for i, turn in enumerate(turns) if turn["role"] == "assistant" and turn["content"]]
    if not replies:
        return
    i = replies[-1]
    asked = turns[i - 1]["content"] if i and turns[i - 1]["role"] == "user" else ""
    text = (f"> {asked}\n\n" if asked else "") + turns[i]["content"]
    made = turns[i].get("settings") or settings  # what made the reply (its seed included)
    post_popover("persona_chat", [{"label": t("board_view.the_last_reply"), "text": text, "model": model,
                                   "settings": _settings(made)}], "persona_post")


def post_answer(rag, result, model: str, settings) -> None:
    """RAG: the answer with its sources (title and link or location)."""
    answer = result.samples[0].text if result.samples else ""
    sources = "\n".join(f"[{i}] {s.title} ({s.url or s.location})"
                        for i, s in enumerate(rag.sources, start=1))
    text = t("board_view.question", question=rag.question) + f"\n\n{answer}" + (
        "\n\n" + t("board_view.sources") + f"\n{sources}" if sources else "")
    post_popover("rag", [{"label": t("board_view.the_answer"), "text": text, "model": model,
                          "settings": _settings(settings)}], "rag_post")


# -- the Board page -------------------------------------------------------------------------
def _flag(post_id: int, flag: str, value: bool) -> None:
    board.set_flag(room_store(), post_id, flag, value)


def _posts(page: str | None, step: str | None, admin: bool) -> list[board.Post]:
    """The posts, read again only when the board's change counter moved (a cheap poll)."""
    store = room_store()
    want = (store.version("board"), page, step, admin)
    cached = st.session_state.get("board_cache")
    if cached is None or cached[0] != want:
        posts = board.list_posts(store, page=page, step=step, include_hidden=admin)
        st.session_state["board_cache"] = cached = (want, posts)
    return cached[1]


def settings_line(shown: dict) -> str:
    """A post's settings in this tab's language: greedy or sampling in words, the parameters
    as transformers spells them (``temperature=0.9``)."""
    parts = []
    for k, v in shown.items():
        if k == "do_sample":
            parts.append(t("board_post.sampling") if v else t("board_post.greedy"))
        else:
            parts.append(f"{k}={v}")
    return t("board_post.settings", settings=", ".join(parts))


def show_post(p: board.Post, admin: bool) -> None:
    with st.container(border=True, key=f"board_post_{p.id}"):
        # what participants typed: control characters and bidi overrides shown, not obeyed
        meta = [visible(p.name) or t("board_view.anonymous"), page_title(p.page), p.model,
                tr(ago(time.time() - p.created))]
        if p.metric is not None:
            meta.append(f"{p.metric_name} {p.metric:.2f}")
        if p.step:
            meta.append(t("board_view.step", step=step_label(p.step)))  # this tab's language
        flags = ("📌 " if p.pinned else "") + (t("board_view.hidden") + " " if p.hidden else "")
        st.text(flags + " · ".join(m for m in meta if m))
        if p.prompt:  # what the text answers, before it
            shown = visible(p.prompt)
            st.text(t("board_post.prompt", prompt=shown if len(shown) <= 300
                      else shown[:299] + "…"))
        st.text(visible(p.text))
        shown = {k: v for k, v in p.settings.items()
                 if k in ("do_sample", "temperature", "top_p", "top_k", "min_p",
                          "epsilon_cutoff", "max_new_tokens", "num_return_sequences", "seed")}
        if shown:
            st.text(settings_line(shown))
        cols = st.columns([1, 1, 1, 6])
        # Open: this tab, its language kept, the path a broadcast's Open takes (a new tab
        # would be a new session in the default language)
        if p.link and cols[0].button(t("board_view.open"), key=f"board_open_{p.id}",
                                     help=t("board_view.open_help")):
            open_step(p.link)
        if admin:
            cols[1].button(t("board_view.unpin") if p.pinned else t("board_view.pin"),
                           key=f"board_pin_{p.id}",
                           on_click=_flag, args=(p.id, "pinned", not p.pinned))
            cols[2].button(t("board_view.show") if p.hidden else t("board_view.hide"),
                           key=f"board_hide_{p.id}",
                           on_click=_flag, args=(p.id, "hidden", not p.hidden))
        if (p.inputs or {}).get("prompt"):  # the room's own dataset (Fine-tuning, Admin)
            cols[3].button(t("board_view.use_as_example"), key=f"board_example_{p.id}",
                           help=t("board_view.use_as_example_help"),
                           on_click=_use_as_example, args=(p.id,))


def _use_as_example(post_id: int) -> None:
    """Button callback: the post's prompt and text become a pending example."""
    try:
        examples.example_from_post(room_store(), post_id, session_id())
        st.toast(t("finetune.contributed"), icon=":material/group_add:")
    except PlaygroundError as err:
        st.toast(error_text(err), icon=":material/error:")


def room_chart(posts: list[board.Post]) -> None:
    cells = board.room_sweep(posts)
    if not cells:
        st.caption(t("board_view.no_room_sweep"))
        return
    presenter.chart(sweep_heatmap(pd.DataFrame(cells)))
    st.caption(t("board_view.room_sweep", n=sum(c['posts'] for c in cells)))


def live_board(page: str | None, step: str | None, admin: bool) -> None:
    """Posts (pinned, then newest first) and the room's chart, redrawn every POLL_S s."""

    @st.fragment(run_every=POLL_S)
    def posts_fragment() -> None:
        posts = _posts(page, step, admin)
        st.caption(t("board_view.posts", n=len(posts)) + (
            t("board_view.newest_shown", shown=SHOWN) if len(posts) > SHOWN else ""))
        room_chart(posts)
        for p in posts[:SHOWN]:
            show_post(p, admin)

    posts_fragment()


def instructor_tools() -> None:
    """Export every post (hidden ones too) as CSV or JSON; clear the board."""
    store = room_store()
    posts = board.list_posts(store, include_hidden=True)
    a, b, c = st.columns([1, 1, 2])
    a.download_button(t("board_view.export_csv"), board.export_csv(posts), "room_board.csv", "text/csv",
                      key="board_csv")
    b.download_button(t("board_view.export_json"), board.export_json(posts), "room_board.json",
                      "application/json", key="board_json")
    sure = c.checkbox(t("board_view.clear_sure"), key="board_clear_sure")
    if c.button(t("board_view.clear"), disabled=not sure, key="board_clear"):
        st.success(t("board_view.cleared", n=board.clear(store)))
