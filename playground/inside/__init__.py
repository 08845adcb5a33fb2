"""Looking inside the model: hidden states and sentence vectors, similarity and a 2-D map, the
logit lens, attention, and what the tokenizer does before the model (normalization, padding,
truncation, the attention mask).

Every view runs one forward pass on a *twin* of a resident model (``playground.inside.twin``):
a second module object that shares the resident model's weight tensors (no copy, no extra
memory) but has its own configuration, with eager attention so that attention weights come
back. The resident model itself is never run here and never changed: only its service's owner
thread runs it.

Package ``playground.inside``: may import ``serving``, ``config``, ``errors``; the feature
packages above it (``rag``) may import it.
"""
