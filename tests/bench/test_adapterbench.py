"""``bench --adapters``: random adapters in PEFT's format, spread over the sessions with the
base, the mixed batch's texts equal to each adapter served alone."""

import json

import torch

from playground.bench.adapterbench import run_adapter_bench, write_random_adapter
from playground.serving.adapters import read_adapter
from playground.serving.registry import default_registry

EMBEDDED = "smollm2-135m-instruct"


def test_a_random_adapter_is_a_non_zero_peft_lora_on_every_linear_but_the_head(tmp_path):
    model = default_registry().load(EMBEDDED).model
    folder = write_random_adapter(model, tmp_path / "a", EMBEDDED, seed=3)
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["r"] == 8
    assert set(config["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj",
                                             "gate_proj", "up_proj", "down_proj"}
    weights = read_adapter("a", folder, EMBEDDED, model)
    assert len(weights.layers) == 7 * 30
    assert all(torch.count_nonzero(b) == b.numel() for _, b, _ in weights.layers.values())
    again = read_adapter("a", write_random_adapter(model, tmp_path / "b", EMBEDDED, seed=3),
                         EMBEDDED, model)  # seeded: the same adapter again
    assert all(torch.equal(weights.layers[k][1], again.layers[k][1]) for k in weights.layers)


def test_the_mixed_batch_gives_each_adapter_s_own_text_and_cleans_up():
    reg = default_registry()
    report = run_adapter_bench(reg, EMBEDDED, adapters=2, sessions=3, new_tokens=5, rounds=1)
    assert report["rows_per_adapter"] == {"base": 1, f"{EMBEDDED} + random-0 (LoRA)": 1,
                                          f"{EMBEDDED} + random-1 (LoRA)": 1}
    assert report["identical"] and report["identical_rows"] == 3
    assert report["adapter_rows_unlike_base"] == 2  # the adapters do change the text
    assert report["adapter_ratio"] > 0 and report["mixed"][0]["new_tokens"] > 0
    assert not [n for n in reg.adapter_specs if "random-" in n]  # nothing left in the picker
    assert not [m.name for m in reg.resident() if "random-" in m.name]
