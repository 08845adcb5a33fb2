"""The Self-BLEU mode picker of the Compare and Sweep pages, with what the modes mean.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.lab.metrics import DEFAULT_SELF_BLEU_MODE, SELF_BLEU_MODES

LABELS = {"all-others": "each against all the others", "tutorial": "as in the tutorial"}
EXPLANATION = (
    "**Each against all the others** scores every sample's continuation against all the "
    "other samples of the set as references (Self-BLEU as Zhu et al. define it).  \n"
    "**As in the tutorial** runs the tutorial's exact call, "
    "`sacrebleu.corpus_bleu([hyp], [others])`, on prompt + continuation as `pipeline` returns "
    "them. sacrebleu reads `[others]` as *one* reference stream paired with the one "
    "hypothesis, so only the first other sample counts, and the prompt every sample shares "
    "counts as overlap. Its numbers are therefore lower for some samples, higher for others, "
    "and depend on the order of the samples. On the tutorial's own printed samples it gives "
    "19.34 / 19.36 / 31.67 where all-the-others gives 38.06 / 25.25 / 36.77.  \n"
    "The default is all the others: it is the metric the tutorial means, and it does not "
    "depend on sample order; pick the tutorial's to reproduce its numbers.")


def self_bleu_mode(prefix: str) -> str:
    """A radio for the Self-BLEU mode (key ``{prefix}_self_bleu``) and its explanation."""
    mode = st.radio("Self-BLEU", SELF_BLEU_MODES, index=SELF_BLEU_MODES.index(
        DEFAULT_SELF_BLEU_MODE), format_func=LABELS.get, key=f"{prefix}_self_bleu",
        help="Two ways to score the same samples; see 'Self-BLEU: two ways' on the page.")
    return mode


def explain(mode: str) -> None:
    """The expander that says what differs between the modes."""
    with st.expander(f"Self-BLEU: two ways (shown: {LABELS[mode]})"):
        st.markdown(EXPLANATION)
