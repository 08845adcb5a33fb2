"""Retrieval-augmented generation: web search or local documents -> numbered sources ->
a prompt that asks for [n] citations -> an answer whose citations link back to the sources.

- ``sources``   the Source record shared by web results and document chunks; safe rendering
- ``search``    search providers (langchain-community, ddgs), failure mapping, retries
- ``gate``      the process-wide cache and one-at-a-time queue all sessions search through
- ``documents`` pasted/uploaded/folder documents, chunking, BM25 ranking
- ``prompt``    the prompt with a token budget, and citations in the answer

May import: ``serving``, ``config``, ``errors``. Never streamlit, ``ui`` or ``cli``.
"""
