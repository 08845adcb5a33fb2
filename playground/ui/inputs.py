"""Number fields that say when a value is out of range instead of silently changing it.

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
