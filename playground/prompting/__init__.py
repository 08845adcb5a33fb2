"""Prompting lessons: instruction templates and few-shot prompts, the chat-template inspector,
personas, readable tokens and model info.

May import: ``serving``, ``config``, ``errors``. Never streamlit, ``ui`` or ``cli``.
"""
