"""Model explorer figures, read from the resident model itself."""

import torch

from playground.prompting.modelinfo import count_parameters, summarize


def test_tied_weights_are_counted_once():
    model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 10, bias=False))
    model[1].weight = model[0].weight  # tie output to input embeddings, as SmolLM2 does
    assert count_parameters(model) == 40


def test_smollm_summary_matches_its_config_and_tensors(smol):
    s = summarize(smol)
    cfg = smol.model.config
    assert s.layers == cfg.num_hidden_layers == len(smol.model.model.layers)
    assert s.vocab_size == cfg.vocab_size >= len(smol.tokenizer)
    assert s.embedding_parameters == cfg.vocab_size * cfg.hidden_size and s.tied_embeddings
    assert 130e6 < s.parameters < 140e6  # "135M" in the name
    assert s.context_length == smol.context_length and s.attention_heads == 9
    # fp32 on CPU: about 4 bytes per parameter resident
    assert 3.5 * s.parameters < s.footprint_bytes < 4.5 * s.parameters
    rows = dict(s.rows())
    assert rows["Memory footprint"].endswith(" MiB") and rows["Context length"].endswith(" tokens")
    assert "grouped-query" in rows["Attention heads"]
