"""LLM workshop playground: the logic behind the Streamlit pages and the CLI.

Nothing in this package imports streamlit except ``playground.ui``; every page is a thin
layer over the functions here, and ``python -m playground`` reaches the same functions.

Layers, top to bottom (each may import only what is below it; ``tests/test_layout.py`` checks):
``cli`` and ``ui`` -> ``bench`` -> ``room`` -> ``quant`` -> ``lab``, ``prompting``, ``rag``, ``tuning`` -> ``inside`` -> ``codegen``,
``diagnostics`` -> ``serving`` -> ``config`` (and ``i18n``) -> ``textfiles`` -> ``errors``.
"""

__version__ = "0.1.0"
