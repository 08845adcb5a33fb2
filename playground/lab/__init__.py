"""The sampling lab: Compare presets, the sweep, the tutorial's toy distribution, the batched-vs-
separate benchmark, and the text metrics (Self-BLEU, distinct-n, chrF/BLEU, perplexity).

May import: ``serving``, ``config``, ``errors``. Never streamlit, ``ui`` or ``cli``.
"""
