"""``python -m playground gpucheck --json`` on a CPU: the whole device check with the tiny shape,
run without the packages the device machine lacks (streamlit, gguf, bitsandbytes, ...)."""

import json
import os
import subprocess
import sys

import pytest

from playground.serving.catalog import CATALOG
from playground.serving.registry import default_registry
from tests.conftest import ROOT

# what the device machine does not have (KINDS.md); tenacity travels as a carried wheel
ABSENT_ON_DEVICE = ("streamlit", "gguf", "bitsandbytes", "langchain", "langchain_community",
                    "langchain_core", "ddgs", "bm25s", "openai", "altair", "playwright")
AS_ON_DEVICE = f"""
import runpy, sys
class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {ABSENT_ON_DEVICE!r}:
            raise ImportError('not on the device: ' + name)
sys.meta_path.insert(0, Absent())
runpy.run_module('playground', run_name='__main__')
"""
SESSIONS, NEW_TOKENS, SEQUENTIAL = 4, 8, 2


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tokenizer, _ = default_registry().source(CATALOG["smollm2-135m-instruct"])  # made once
    out = tmp_path_factory.mktemp("gpucheck") / "gpucheck.json"
    proc = subprocess.run(
        [sys.executable, "-c", AS_ON_DEVICE, "gpucheck", "--json", "--sessions", str(SESSIONS),
         "--new-tokens", str(NEW_TOKENS), "--sequential", str(SEQUENTIAL), "--tokenizer",
         str(tokenizer), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=os.environ | {"PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": "",
                            # one thread: on a busy 2-core runner, two spin-waiting OpenMP
                            # threads make this run many times slower (the path is tested,
                            # not the speed)
                            "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert json.loads(out.read_text()) == doc  # --out: the same document, written as it goes
    return doc


def test_residency_evicts_the_idle_model_and_never_the_busy_one(report):
    res = report["residency"]
    a, b = "random:tiny", "random:smollm2-135m"
    assert res["models"] == [a, b]
    kept = res["busy_model_kept"]
    assert kept["busy_when_asked"] and kept["load_refused"] and kept["still_resident"]
    assert "in use right now" in kept["message"]
    assert res["evicted"] == [a] and res["resident"] == [b]
    fp = res["footprint_mb"]
    assert max(fp.values()) <= res["budget_mb"] < fp[a] + fp[b]  # fits one, never both
    assert res[f"after_load_{a}"]["models_mb"] == fp[a]
    assert res[f"after_load_{b}"]["models_mb"] == fp[b] < fp[a] + fp[b]
    assert res["end"]["models_mb"] == 0
    assert all(res[k]["rss_mb"] > 0 for k in ("start", f"after_load_{b}", "end"))


def test_throughput_measures_every_phase_with_every_token(report):
    t = report["throughput"]["tiny"]
    assert t["sessions"] == SESSIONS and t["max_batch_rows"] >= SESSIONS
    assert t["service_one_at_a_time"]["new_tokens"] == SEQUENTIAL * NEW_TOKENS
    for phase in ("service_concurrent", "service_concurrent_greedy", "generate_static_batch"):
        assert t[phase]["new_tokens"] == SESSIONS * NEW_TOKENS
        assert t[phase]["ms_per_step"] == pytest.approx(
            t[phase]["wall_s"] * 1000 / NEW_TOKENS, abs=0.01)
    for phase in ("service_one_at_a_time", "service_concurrent", "service_concurrent_greedy",
                  "generate_static_batch"):
        assert t[phase]["tokens_per_s"] > 0
    for phase in ("service_one_at_a_time", "service_concurrent"):
        assert 0 < t[phase]["ttft_p50_s"] <= t[phase]["ttft_p95_s"]
    assert t["ratio_concurrent_vs_generate"] == pytest.approx(
        t["service_concurrent"]["tokens_per_s"] / t["generate_static_batch"]["tokens_per_s"],
        rel=0.01, abs=0.001)  # rounded to 3 decimals


def test_seeds_alone_and_in_a_batch_agree_in_float32_on_a_cpu(report):
    s = report["seeds"]["tiny"]
    assert isinstance(s["same_tokens_alone_and_in_batch"], bool)
    assert s["rows_compared"] == SEQUENTIAL and s["batch_rows"] == SESSIONS
    assert s["sampled_rows"] >= 1
    # the CPU promise the Generate page makes
    assert s["same_tokens_alone_and_in_batch"] and s["first_divergences"] == []
    assert "always" in s["ui_says"] and report["ui_seed_promise"] == s["ui_says"]


def test_the_profile_splits_a_decode_step_and_bitsandbytes_waits_for_cuda(report):
    p = report["profile"]["tiny"]
    assert p["batch"]["rows"] == SESSIONS and p["one_row"]["rows"] == 1
    assert p["batch"]["forward_ms"] > 0 and p["batch"]["sampler_ms"] > 0
    assert p["batch"]["step_ms"] >= p["batch"]["forward_ms"]
    assert p["batch"]["forward_kernel_ms"] is None  # no GPU kernels on a CPU
    assert "CUDA" in report["bitsandbytes"]["skipped"]
    assert report["device"]["device"] == "cpu" and report["device"]["dtype"] == "float32"
    assert "tiny" in report["targets"] and "memory_back_to_start" in report["targets"]


def test_the_check_counts_the_decode_step_conversions_and_they_do_not_grow_with_rows(report):
    syncs = report["syncs"]["tiny"]
    four, sixteen = syncs["rows_4"], syncs["rows_16"]
    assert four["steps"] > 0 and sixteen["steps"] > 0
    assert four["per_step_max"] <= 3 and sixteen["per_step_max"] == four["per_step_max"]
    assert "cuda_syncs" not in four  # counted by torch.cuda only on a GPU


def test_the_scaling_section_compares_the_service_with_generate_at_each_count(report):
    scaling = report["scaling"]["tiny"]
    assert set(scaling["by_sessions"]) == {"2", "4"}
    for row in scaling["by_sessions"].values():
        assert row["service"]["tokens_per_s"] > 0 and row["generate_static"] > 0
        assert row["service_vs_generate"] > 0
    assert scaling["bandwidth_gbs"] is None  # a CPU: no roofline claimed
    fit = scaling["largest_batch"]
    assert fit["kv_mb_per_row"] > 0 and fit["rows_that_fit_estimate"] > 0


def test_the_adapters_section_batches_random_adapters_with_the_base(report):
    adapters = report["adapters"]["tiny"]
    assert adapters["sessions"] == 3 and adapters["adapters"] == 2
    assert set(adapters["rows_per_adapter"].values()) == {1}  # the base and each adapter
    assert adapters["mixed_tokens_per_s"] > 0 and adapters["base_only_tokens_per_s"] > 0
    assert adapters["adapter_ratio"] > 0
    assert adapters["identical"] and adapters["checked_rows"] == SEQUENTIAL  # float32, a CPU


def test_the_roofline_knows_the_device_names_it_lists():
    from playground.bench.gpucheck_scaling import bandwidth_gbs

    assert bandwidth_gbs("NVIDIA H200") == 4800
    assert bandwidth_gbs("NVIDIA H100 80GB HBM3") == 3350
    assert bandwidth_gbs("NVIDIA A100-SXM4-80GB") == 2039
    assert bandwidth_gbs("some new part") is None
