"""The device check's parts that the CPU run skips or fixes: plans and bitsandbytes copies."""

import pytest
import torch

from playground.bench.gpucheck import CheckPlan, make_registry, residency_pair, targets
from playground.bench.gpucheck_bnb import check_bitsandbytes
from playground.serving.catalog import CATALOG
from playground.serving.registry import default_registry


@pytest.fixture(scope="module")
def tokenizer_dir():
    where, _ = default_registry().source(CATALOG["smollm2-135m-instruct"])
    return where


def test_plans_default_to_the_issues_sizes_on_cuda_and_small_ones_on_a_cpu():
    gpu = CheckPlan.default(torch.device("cuda"))
    assert gpu.shapes == ("llama-1b", "llama-7b") and (gpu.sessions, gpu.new_tokens) == (32, 128)
    cpu = CheckPlan.default(torch.device("cpu"), sessions=3, sequential=9)
    assert cpu.shapes == ("tiny",) and cpu.sessions == 3 and cpu.sequential == 3
    assert residency_pair(("llama-1b", "llama-7b")) == ("llama-1b", "llama-7b")
    assert residency_pair(("smollm2-135m",)) == ("smollm2-135m", "tiny")


def test_bitsandbytes_copies_of_a_random_model_run_through_their_own_service(tokenizer_dir):
    pytest.importorskip("bitsandbytes")
    plan = CheckPlan.default(torch.device("cpu"))
    registry = make_registry(plan, tokenizer_dir)
    assert check_bitsandbytes(registry, "tiny", 2, 4)["skipped"].startswith("there is no CUDA")
    report = check_bitsandbytes(registry, "tiny", 2, 4, needs_cuda=False)  # the CUDA path
    rows = {r["preset"]: r for r in report["rows"]}
    assert list(rows) == ["float32", "int8", "nf4", "nf4-dq-bf16"]
    assert all(r["status"] == "ok" for r in rows.values()), rows
    assert all(r["new_tokens"] == 2 * 4 and r["tokens_per_s"] > 0 for r in rows.values())
    # the quantized linear layers are smaller (the tiny shape is mostly embeddings, kept)
    assert rows["nf4"]["weights_mb"] < rows["int8"]["weights_mb"] < rows["float32"]["weights_mb"]
    for m in registry.resident():
        registry.unload(m.name)


def test_targets_read_the_measurements():
    doc = {"throughput": {"llama-1b": {"ratio_concurrent_vs_generate": 1.2,
                                       "service_concurrent": {"ttft_p95_s": 1.5}}},
           "residency": {"start": {"allocated_mb": 10.0}, "end": {"allocated_mb": 60.0},
                         "footprint_mb": {"a": 2000.0, "b": 13000.0}}}
    got = targets(doc)
    assert got["llama-1b"] == {"service_vs_generate_at_least_1": True,
                               "ttft_p95_at_most_1s": False}
    assert got["memory_back_to_start"] == {"left_mb": 50.0, "within_5pct_of_largest_model": True}
