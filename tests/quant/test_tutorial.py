"""The tutorial's Llama-2 figures beside a comparison, and the share bitsandbytes leaves alone."""

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from playground.quant.compare import PresetRow
from playground.quant.tutorial import TUTORIAL_MIB, beside_tutorial, kept_share


def test_the_tutorials_figures_are_its_allocated_memory_lines():
    # llm-tutorial-uec.md, "Allocated memory" of torch.cuda.memory_summary() per load
    assert [TUTORIAL_MIB[p] for p in ("fp32", "fp16", "int8", "fp4", "nf4-dq-bf16")] == \
        [25713, 12860, 6701, 4000, 3695]


def test_kept_share_counts_everything_outside_the_linear_layers_and_the_head():
    config = LlamaConfig(vocab_size=1000, hidden_size=16, intermediate_size=32,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                         tie_word_embeddings=False)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    total = sum(p.numel() for p in model.parameters())
    linear = 2 * (4 * 16 * 16 + 3 * 16 * 32)  # q k v o + gate up down, no biases
    assert kept_share(model) == round(1 - linear / total, 4)
    assert kept_share(model) > 0.8  # embeddings + head of 1,000 tokens dominate a tiny model


def test_beside_tutorial_gives_each_share_of_the_reference():
    rows = [PresetRow("fp32", "", footprint_mb=513.0), PresetRow("bf16", "", footprint_mb=256.5),
            PresetRow("int8", "", status="skipped"), PresetRow("nf4", "", footprint_mb=159.0)]
    out = beside_tutorial(rows)
    assert [r["preset"] for r in out] == ["fp32", "bf16", "nf4"]
    assert [r["share of the reference (%)"] for r in out] == [100, 50, 31]
    assert [r["Llama-2-7b in the tutorial (MiB)"] for r in out] == [25713, 12860, 4000]
    assert [r["Llama-2-7b share (%)"] for r in out] == [100, 50, 16]
    assert beside_tutorial([PresetRow("fp32", "", status="failed")]) == []
