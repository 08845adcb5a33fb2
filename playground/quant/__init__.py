"""Quantization: load presets (fp32 ... nf4), the comparison, and its child-process worker with the
server-wide queue.

May import: ``lab`` (metrics), ``serving``, ``config``, ``errors``. Never streamlit, ``ui`` or ``cli``.
"""
