"""Load presets and what a machine supports: pure logic, no model loads."""

import pytest
import torch

from playground.errors import PlaygroundError
from playground.quant.presets import (DEFAULT_PRESETS, PRESETS, Machine, caveat, detect_machine,
                                      parse_presets, why_not)

CPU_WITH_BNB = Machine("cpu", "x86_64", bf16=True, fp16=True, bitsandbytes="0.50.2")
CPU_NO_BNB = Machine("cpu", "x86_64", bf16=True, fp16=True, bitsandbytes=None,
                     int8_problem="bitsandbytes is not installed here (pip install bitsandbytes)",
                     four_bit_problem="bitsandbytes is not installed here (pip install "
                                      "bitsandbytes)")
OLD_BNB_CPU = Machine("cpu", "x86_64", bf16=True, fp16=True, bitsandbytes="0.42.0",
                      int8_problem="bitsandbytes 0.42.0 cannot run 8-bit layers on this CPU "
                                   "(CUDA required)",
                      four_bit_problem="bitsandbytes 0.42.0 cannot run 4-bit layers on this "
                                       "CPU (CUDA required)")
OLD_GPU = Machine("cuda", "Tesla T4", bf16=False, fp16=True, bitsandbytes="0.50.2")


def test_the_catalog_has_the_tutorials_presets_with_their_recipes():
    assert list(PRESETS) == ["fp32", "fp16", "bf16", "int8", "fp4", "nf4", "nf4-dq-bf16"]
    assert PRESETS["int8"].recipe() == \
        "quantization_config=BitsAndBytesConfig(load_in_8bit=True)"
    assert PRESETS["bf16"].recipe() == "dtype=torch.bfloat16"
    assert PRESETS["nf4-dq-bf16"].recipe() == (
        "quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4', "
        "bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)")


def test_load_kwargs_build_a_real_bitsandbytes_config():
    kwargs = PRESETS["nf4-dq-bf16"].load_kwargs(torch.device("cpu"))
    config = kwargs["quantization_config"]
    assert config.load_in_4bit and not config.load_in_8bit
    assert config.bnb_4bit_quant_type == "nf4" and config.bnb_4bit_use_double_quant
    assert config.bnb_4bit_compute_dtype == torch.bfloat16
    assert kwargs["device_map"] == {"": "cpu"}
    assert PRESETS["fp16"].load_kwargs(torch.device("cpu")) == {"dtype": torch.float16}


def test_every_preset_runs_on_a_cpu_with_a_working_bitsandbytes():
    assert all(why_not(p, CPU_WITH_BNB) is None for p in PRESETS.values())


def test_missing_bitsandbytes_skips_only_the_quantized_presets_and_says_how_to_fix_it():
    reasons = {name: why_not(p, CPU_NO_BNB) for name, p in PRESETS.items()}
    assert {n for n, r in reasons.items() if r} == {"int8", "fp4", "nf4", "nf4-dq-bf16"}
    assert "pip install bitsandbytes" in reasons["int8"]


def test_a_cpu_only_bitsandbytes_failure_mentions_the_missing_gpu():
    reason = why_not(PRESETS["nf4"], OLD_BNB_CPU)
    assert "4-bit" in reason and "no CUDA GPU" in reason
    assert "8-bit" in why_not(PRESETS["int8"], OLD_BNB_CPU)


def test_a_gpu_without_bfloat16_skips_the_bf16_presets_but_not_fp16():
    assert "bfloat16" in why_not(PRESETS["bf16"], OLD_GPU)
    assert "bfloat16" in why_not(PRESETS["nf4-dq-bf16"], OLD_GPU)
    assert why_not(PRESETS["fp16"], OLD_GPU) is None and why_not(PRESETS["nf4"], OLD_GPU) is None


def test_cpu_caveats_explain_slow_quantized_and_half_precision_speeds():
    assert "GPU" in caveat(PRESETS["int8"], CPU_WITH_BNB)
    assert "16-bit" in caveat(PRESETS["fp16"], CPU_WITH_BNB)
    assert caveat(PRESETS["fp32"], CPU_WITH_BNB) is None
    assert caveat(PRESETS["int8"], OLD_GPU) is None


def test_parse_presets_orders_by_precision_and_rejects_unknown_names():
    assert parse_presets("nf4, fp32,int8") == ("fp32", "int8", "nf4")
    assert parse_presets(list(DEFAULT_PRESETS)) == DEFAULT_PRESETS
    with pytest.raises(PlaygroundError, match="unknown preset.*fp8"):
        parse_presets("fp32,fp8")
    with pytest.raises(PlaygroundError, match="at least one"):
        parse_presets(" , ")


def test_this_machine_is_probed_honestly():
    import importlib.metadata as md
    import importlib.util

    machine = detect_machine()
    assert machine.device == ("cuda" if torch.cuda.is_available() else "cpu")
    if importlib.util.find_spec("bitsandbytes") is None:
        assert machine.bitsandbytes is None and "not installed" in machine.int8_problem
    else:
        assert machine.bitsandbytes == md.version("bitsandbytes")
