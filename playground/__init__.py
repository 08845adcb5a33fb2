"""LLM workshop playground: the logic behind the Streamlit pages and the CLI.

Nothing in this package imports streamlit except ``playground.ui``; every page is a thin
layer over the functions here, and ``python -m playground`` reaches the same functions.
"""

__version__ = "0.1.0"
