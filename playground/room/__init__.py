"""The workshop as one room: the instructor's admin logic (password, resident models, the Hugging
Face cache); its load tests live in ``playground.bench``.

May import: the feature packages (``lab``, ``prompting``, ``quant``, ``rag``), ``serving``,
``config``, ``errors``. Never streamlit, ``ui`` or ``cli``.
"""
