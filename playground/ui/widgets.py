"""Widgets several pages share: decoding settings, streamed outputs, timings, errors.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.errors import PlaygroundError, SettingsError
from playground.serving.service import GenerationHandle, GenerationResult
from playground.ui import text as ui_text
from playground.ui.inputs import KEEP, bounded_number
from playground.serving.settings import (EPSILON, MAX_NEW_TOKENS, MIN_P, NUM_RETURN_SEQUENCES, SEED,
                                         TEMPERATURE, TOP_K, TOP_P, GenerationSettings)
from playground.ui.decoding_more import more_widgets
from playground.ui.i18n import t, tr
from playground.ui.interrupted import tracked

CURSOR = " ▌"  # after text that is still streaming


def settings_widgets(prefix: str, container=None, defaults: GenerationSettings | None = None,
                     samples: bool = True) -> GenerationSettings | None:
    """Every decoding control; returns verified settings, or None after showing why not.
    ``samples=False``: no samples slider (a page that makes one text, e.g. a chat reply)."""
    c = container or st
    d = defaults or GenerationSettings.transformers_defaults()  # top_k 50 when sampling
    mode = c.radio(t("widgets.decoding"), ["Greedy", "Sampling"], index=int(d.do_sample), horizontal=True,
                   format_func=lambda m: t(f"widgets.mode_{m.lower()}"),
                   persist_state=KEEP, key=f"{prefix}_mode",
                   help=t("widgets.greedy_always_takes_the"))
    sampling = mode == "Sampling"
    values = dict(do_sample=sampling)
    if sampling:
        values["temperature"] = c.slider("temperature", 0.0, TEMPERATURE.slider_high,
                                         d.temperature, TEMPERATURE.step,
                                         persist_state=KEEP, key=f"{prefix}_temperature", help=tr(TEMPERATURE.help))
        values["top_p"] = c.slider("top_p", 0.0, TOP_P.high, d.top_p, TOP_P.step,
                                   persist_state=KEEP, key=f"{prefix}_top_p", help=tr(TOP_P.help))
        values["top_k"] = c.slider(t("decoding.top_k_label"), int(TOP_K.low), int(TOP_K.slider_high),
                                   d.top_k, int(TOP_K.step), persist_state=KEEP, key=f"{prefix}_top_k",
                                   help=tr(TOP_K.help))
        values["min_p"] = c.slider(t("widgets.min_p_0_off"), MIN_P.low, MIN_P.slider_high, d.min_p,
                                   MIN_P.step, persist_state=KEEP, key=f"{prefix}_min_p", help=tr(MIN_P.help))
        values["epsilon_cutoff"] = c.slider(t("widgets.epsilon_cutoff_0_off"), EPSILON.low,
                                            EPSILON.slider_high, d.epsilon_cutoff,
                                            EPSILON.step, format="%.3f",
                                            persist_state=KEEP, key=f"{prefix}_epsilon", help=tr(EPSILON.help))
        if samples:
            values["num_return_sequences"] = c.slider(
                t("widgets.samples_num_return_sequences"), int(NUM_RETURN_SEQUENCES.low),
                int(NUM_RETURN_SEQUENCES.high), d.num_return_sequences, persist_state=KEEP,
                key=f"{prefix}_n", help=tr(NUM_RETURN_SEQUENCES.help))
        values["seed"] = bounded_number("seed", int(SEED.low), int(SEED.high), d.seed,
                                        key=f"{prefix}_seed", container=c, help=tr(SEED.help))
        if values["seed"] is None:  # out of range: the message is shown, nothing runs
            return None
    values["max_new_tokens"] = c.slider("max_new_tokens", int(MAX_NEW_TOKENS.low),
                                        int(MAX_NEW_TOKENS.slider_high), d.max_new_tokens,
                                        persist_state=KEEP, key=f"{prefix}_max_new_tokens",
                                        help=tr(MAX_NEW_TOKENS.help))
    values.update(more_widgets(c, prefix, d, sampling))  # repetition, max_length, beams
    try:
        return GenerationSettings(**values)
    except SettingsError as err:
        for problem in err.problems:
            c.error(tr(problem))
        return None


def stream_outputs(key: str, handle: GenerationHandle, slots: list,
                   render=None) -> GenerationResult:
    """Fill one placeholder per row as text arrives and return the result.

    ``render(row, text) -> markdown`` (optional) formats a row's text, e.g. to turn citations
    into links; by default the text is shown as text (``ui.text.as_text``: no images, no HTML).
    When the stream ends or fails no cursor is left: a failed stream's rows are cleared.

    The handle is parked in ``st.session_state[key]`` while streaming. If the run is cut short
    (the Stop button, or any other rerun of this session) the request is cancelled, so only
    this session's generation stops, and ``collect_interrupted`` picks up its partial text.
    """
    st.session_state[key] = handle
    finished = False
    render = render or (lambda _row, t: ui_text.as_text(t, empty=""))
    last: list[str] = []
    try:
        with tracked():  # a restart while it streams is told to this browser afterwards
            for texts in handle.updates(interval=0.08):
                if not session_alive():  # the tab was closed: nobody is reading this any more
                    break
                ahead = handle.position()
                if ahead and slots:
                    slots[0].info(t("widgets.waiting_for_the_model", ahead=ahead - 1))
                    continue
                for row, (slot, text) in enumerate(zip(slots, texts)):
                    slot.markdown(render(row, text) + CURSOR)
                last = list(texts)
        finished = handle.done
        if not finished:
            handle.cancel()
        st.session_state[key] = None
        result = handle.result()  # raises the request's error, if it failed
    except Exception:
        for slot in slots:  # no half answer with a cursor beside the error the page shows
            slot.empty()
        raise
    finally:
        if not finished:
            handle.cancel()
    for row, (slot, text) in enumerate(zip(slots, last)):  # the end: the cursor goes
        slot.markdown(render(row, text))
    return result


def session_alive() -> bool:
    """False once this browser session has disconnected (its requests should stop)."""
    from streamlit.runtime import exists, get_instance
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not exists():  # bare mode (AppTest, scripts): always alive
        return True
    return get_instance().is_active_session(ctx.session_id)


def session_key(page: str) -> str:
    """Identifies this session's requests from one page: a new one replaces the old one."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return f"{ctx.session_id if ctx else 'bare'}/{page}"


def collect_interrupted(key: str) -> GenerationResult | None:
    """The partial result of a request whose streaming run was cut short, if any."""
    handle = st.session_state.get(key)
    if handle is None:
        return None
    st.session_state[key] = None
    handle.cancel()
    try:
        return handle.result(timeout=30)
    except (PlaygroundError, TimeoutError):
        return None


def output_slots(n: int, per_row: int = 3) -> list:
    """One empty placeholder per sample, laid out in rows of ``per_row`` columns."""
    slots = []
    for start in range(0, n, per_row):
        cols = st.columns(min(per_row, n - start))
        for j, col in enumerate(cols):
            col.markdown(t("widgets.sample_v0", v0=start + j + 1))
            slots.append(col.empty())
    return slots


def timings_caption(result: GenerationResult) -> str:
    ttft = "–" if result.ttft_s is None else f"{result.ttft_s:.2f} s"
    prompt = ", ".join(str(n) for n in result.prompt_tokens)
    return (t("widgets.timings", prompt=prompt, new_tokens=result.new_tokens, ttft=ttft,
              tokens_per_s=result.tokens_per_s, total_s=result.total_s)
            + (t("widgets.stopped") if result.cancelled else ""))


def show_warnings(warnings: list[str]) -> None:
    """What the engine could not do as asked (e.g. a remote engine without epsilon_cutoff)."""
    for warning in warnings or []:
        st.warning(tr(warning), icon=":material/warning:")  # made in English in playground/


def show_error(err: Exception, where=None) -> None:
    """A participant-level error as text, in the session's language; anything else as a short
    message with an error id (logged with its traceback on the server), never the exception's
    own text."""
    ui_text.show_error(err, where)
