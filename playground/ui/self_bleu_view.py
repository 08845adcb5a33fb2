"""The Self-BLEU mode picker of the Compare and Sweep pages, with what the modes mean.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.lab.metrics import DEFAULT_SELF_BLEU_MODE, SELF_BLEU_MODES
from playground.ui.i18n import Labels, t

LABELS = Labels("self_bleu_view", ("all-others", "tutorial"))  # shown in the session's language


def self_bleu_mode(prefix: str) -> str:
    """A radio for the Self-BLEU mode (key ``{prefix}_self_bleu``) and its explanation."""
    mode = st.radio("Self-BLEU", SELF_BLEU_MODES, index=SELF_BLEU_MODES.index(
        DEFAULT_SELF_BLEU_MODE), format_func=LABELS.get, key=f"{prefix}_self_bleu",
        help=t("self_bleu_view.help"))
    return mode


def explain(mode: str) -> None:
    """The expander that says what differs between the modes."""
    with st.expander(t("self_bleu_view.two_ways", shown=LABELS[mode])):
        st.markdown(t("self_bleu_view.explanation"))
