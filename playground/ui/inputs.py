"""Page inputs that belong to the session, and number fields that name their range.

Kept inputs: every input a page has (the fields ``playground.room.pages`` lists, the same the
share links carry) keeps its value while its page is not drawn, and a link, a broadcast's Open
or a lesson step sets these same kept values once (``playground.ui.share.apply_inputs``).
Widgets get ``persist_state=KEEP``; data editors, which take no ``persist_state``, are drawn
with ``kept_editor``.

``st.number_input`` with ``min_value``/``max_value`` replaces a typed -1 or 2^31 with the last
valid value and says nothing: the participant then runs with a seed they did not choose. Here
the field has no bounds of its own; a value outside ``[low, high]`` shows a message naming the
range and the caller gets None (the page stops before running anything).

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.ui.i18n import t

# Every page input belongs to the session: Streamlit keeps a widget's value while the widget is
# not drawn (another page, a hidden slider) and gives it back when it is drawn again
# (``persist_state="session"``, Streamlit >= 1.67). Pass ``persist_state=KEEP`` to every input
# that playground.room.pages lists (tests/pages/test_keep_inputs.py).
KEEP = "session"


def kept_editor(default: list[dict], key: str, container=None, **kwargs) -> list[dict]:
    """``st.data_editor`` whose rows belong to the session: the edited rows are kept under
    ``{key}_rows`` and a page drawn again (after other pages, a link, a lesson step) starts the
    editor from them, not from ``default``.

    Streamlit keeps an editor's edits only as a delta on the data it was drawn with, and drops
    that delta when the editor is not drawn in a run. While the editor lives its data
    (``{key}_base``) stays the same (new data would be a new editor, losing the edit being
    typed); when it is drawn afresh its data is the kept rows."""
    c = container or st
    state = st.session_state
    rows_key, base_key = f"{key}_rows", f"{key}_base"
    delta = state[key] if key in state else None
    if delta is None or base_key not in state:  # a fresh editor: it starts from the kept rows
        state[base_key] = [dict(r) for r in state.get(rows_key, default)]
        delta = None
    base = state[base_key]
    rows = _records(c.data_editor(base, key=key, **kwargs))
    held = edited_rows(base, delta)
    if delta is not None and _filled(rows) != _filled(held):
        # the editor came back as a new one (its labels changed with the language): its delta
        # is gone; draw it again from the rows it held
        state[rows_key] = state[base_key] = held
        state.pop(key, None)
        st.rerun()
    state[rows_key] = rows
    return rows


def editor_value(key: str, default: list[dict]) -> list[dict]:
    """The rows of the editor ``key`` now (kept rows plus the edit this run brings), without
    drawing it: what a link to this step carries."""
    state = st.session_state
    if f"{key}_base" in state and key in state:
        return edited_rows(state[f"{key}_base"], state[key])
    return [dict(r) for r in state.get(f"{key}_rows", default)]


def set_editor_rows(key: str, rows: list[dict]) -> None:
    """Give the editor ``key`` these rows (a link, a lesson step): it is drawn afresh from them."""
    state = st.session_state
    state[f"{key}_rows"] = [dict(r) for r in rows]
    state.pop(f"{key}_base", None)
    state.pop(key, None)  # the old edits belong to the old rows


def edited_rows(base: list[dict], delta) -> list[dict]:
    """A data editor's rows: its starting rows with the edits Streamlit keeps in state."""
    rows = [dict(r) for r in base]
    if not isinstance(delta, dict):
        return rows
    for index, changes in (delta.get("edited_rows") or {}).items():
        i = int(index)
        if 0 <= i < len(rows):
            rows[i].update(changes)
    rows += [dict(r) for r in delta.get("added_rows") or []]
    gone = {int(i) for i in delta.get("deleted_rows") or []}
    return [r for i, r in enumerate(rows) if i not in gone]


def _filled(rows: list[dict]) -> list[dict]:
    """Rows without their empty cells (an added row's delta names only the cells typed in)."""
    return [{k: v for k, v in r.items() if v is not None and v == v and not k.startswith("_")}
            for r in rows]


def _records(value) -> list[dict]:
    """An editor's return value as plain rows (it mirrors the data: a list of dicts here)."""
    if hasattr(value, "to_dict"):
        value = value.to_dict("records")
    return [dict(r) for r in value]


def bounded_number(label: str, low, high, value, key: str, container=None, **kwargs):
    """A number field for ``[low, high]`` (ints if ``low`` is an int); None, after an error
    naming the range, while the typed value is outside it."""
    c = container or st
    kwargs.setdefault("persist_state", KEEP)
    whole = isinstance(low, int) and isinstance(high, int)
    number = c.number_input(label, value=int(value) if whole else float(value), key=key,
                            step=kwargs.pop("step", 1 if whole else None), **kwargs)
    if number is None or not low <= number <= high:
        c.error(t("inputs.out_of_range", label=label, low=f"{low:,}", high=f"{high:,}",
                  got=t("inputs.nothing") if number is None else f"{number:,}"))
        return None
    return int(number) if whole else float(number)
