"""The Quantization page says when its fp32 reference is a de-quantized GGUF file."""

from playground.quant.labels import gguf_quant_type, reference_note
from playground.serving.catalog import CATALOG
from playground.serving.registry import default_registry


def test_the_embedded_reference_is_named_as_q4_1_dequantized_to_fp32():
    assert gguf_quant_type(CATALOG["smollm2-135m-instruct"]) == "Q4_1"
    assert gguf_quant_type(CATALOG["gemma-3-270m"]) == "Q4_K_M"
    note = reference_note(default_registry(), "smollm2-135m-instruct")
    assert "Q4_1 GGUF" in note and "de-quantized to float32" in note
    assert "already derived from 4 bits" in note


def test_hub_models_and_unknown_names_get_no_note():
    reg = default_registry()
    assert gguf_quant_type(CATALOG["Qwen/Qwen2.5-0.5B-Instruct"]) is None
    assert reference_note(reg, "Qwen/Qwen2.5-0.5B-Instruct") is None
    assert reference_note(reg, "not a model at all!") is None
