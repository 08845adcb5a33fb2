"""The quantization comparison on the real embedded model, on this machine's device.

One comparison (few new tokens) is shared by the tests below: quantizing the 8-bit and 4-bit
copies is what takes the time on a CPU (bitsandbytes quantizes in plain PyTorch there, 10-40 s
per copy on 2 busy cores), so it holds one preset per precision that the issue names plus fp16.
fp4 and nf4-dq-bf16 load through the same code path (``Preset.load_kwargs``), checked by
tests/test_quantization.py and by ``python -m playground quantize --presets ...``.
"""

import gc
import math
import threading
import time
import weakref

import pytest

from playground.errors import PlaygroundError, RequestCancelled
from playground.lab.metrics import perplexity
from playground.quant.compare import REFERENCE_TEXT, ComparisonRequest, run_comparison
from playground.quant.worker import submit_comparison
from playground.quant.presets import PRESETS, Machine, detect_machine, why_not
from playground.serving.registry import default_registry
from playground.serving.service import GenerationRequest, Prompt, generate
from playground.serving.settings import GenerationSettings
from tests.conftest import EMBEDDED

PROMPT = "Tell me a story about a dragon."
TOKENS = 6
PRESETS_RUN = ("fp32", "fp16", "bf16", "int8", "nf4")


COPIES: list[weakref.ref] = []  # every temporary copy the comparison loaded


@pytest.fixture(scope="module")
def comparison():
    from transformers import AutoModelForCausalLM

    progress = []
    real = AutoModelForCausalLM.from_pretrained

    def recording(*args, **kwargs):  # the real loader; only a weak reference is kept
        model = real(*args, **kwargs)
        COPIES.append(weakref.ref(model))
        return model

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(AutoModelForCausalLM, "from_pretrained", recording)
        result = run_comparison(ComparisonRequest(EMBEDDED, PRESETS_RUN, prompt=PROMPT,
                                                  max_new_tokens=TOKENS),
                                default_registry(), lambda f, m: progress.append((f, m)))
    return result, progress


def _rows(result):
    return {r.preset: r for r in result.rows}


def test_every_preset_this_machine_supports_loads_generates_and_reports_memory(comparison):
    result, _ = comparison
    machine = detect_machine()
    rows = _rows(result)
    assert list(rows) == list(PRESETS_RUN)
    for name, row in rows.items():
        if why_not(PRESETS[name], machine):
            assert row.status == "skipped" and row.reason
            continue
        assert row.status == "ok", (name, row.reason)
        assert row.new_tokens > 0 and row.text and row.tokens_per_s > 0
        assert row.load_s > 0 and 0 < row.ttft_s
        assert row.footprint_mb > 0
        memory = row.gpu_allocated_mb if result.device == "cuda" else row.rss_growth_mb
        assert memory is not None and memory > 0


def test_memory_falls_with_the_bits(comparison):
    rows = _rows(comparison[0])
    fp32, bf16, int8, nf4 = (rows[n].footprint_mb for n in ("fp32", "bf16", "int8", "nf4"))
    assert fp32 > bf16 > int8 > nf4
    assert nf4 <= 0.35 * fp32
    assert rows["fp16"].footprint_mb == bf16  # same bits, same bytes


def test_fp32_copy_matches_the_resident_model_exactly(comparison, smol):
    result, _ = comparison
    fp32 = _rows(result)["fp32"]
    assert result.reference == "fp32"
    assert fp32.identical and fp32.chrf == 100.0 and fp32.bleu == 100.0
    assert fp32.first_divergence is None and fp32.divergence_char is None
    alone = generate(smol, GenerationRequest.single(
        GenerationSettings(max_new_tokens=TOKENS),
        Prompt.chat([{"role": "user", "content": PROMPT}])), timeout=120)
    assert alone.samples[0].token_ids == fp32.token_ids  # an independent fp32 load agrees


def test_perplexity_is_finite_and_the_fp32_one_is_the_models_own(comparison, smol):
    rows = _rows(comparison[0])
    assert all(math.isfinite(r.perplexity) and r.perplexity > 1
               for r in rows.values() if r.status == "ok")
    with smol.tokenizer_lock:
        ids = smol.tokenizer(REFERENCE_TEXT)["input_ids"]
    # the resident model is idle here: no request of this module is running
    assert rows["fp32"].perplexity == pytest.approx(perplexity(smol.model, ids), abs=1e-3)


def test_agreement_fields_are_consistent(comparison):
    result, _ = comparison
    for row in result.ok_rows():
        assert 0 <= row.chrf <= 100 and 0 <= row.bleu <= 100
        assert row.identical == (row.first_divergence is None)
        if row.first_divergence is not None:
            assert 0 <= row.divergence_char <= len(row.text)
            assert row.chrf < 100 or row.text.startswith(result.rows[0].text)


def test_progress_rises_to_one_and_the_copies_are_freed(comparison):
    result, progress = comparison
    fractions = [f for f, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    # every copy is released: what the comparison controls. (The process's memory figure
    # also depends on what ran before in the same process, so the suite does not assert it.)
    gc.collect()
    assert len(COPIES) == len(result.ok_rows()) and all(ref() is None for ref in COPIES)
    assert "assistant" in result.prompt  # the chat template was applied


def test_table_has_a_row_per_preset_with_units(comparison):
    table = comparison[0].table()
    assert [row["preset"] for row in table] == list(PRESETS_RUN)
    keys = set(table[0])
    assert {"weights (MiB)", "load (s)", "speed (tok/s)", "chrF vs fp32", "perplexity"} <= keys


def test_a_preset_the_machine_cannot_run_is_skipped_with_the_reason():
    no_bnb = Machine("cpu", "test", bf16=True, fp16=True, bitsandbytes=None,
                     int8_problem="bitsandbytes is not installed here (pip install "
                                  "bitsandbytes)",
                     four_bit_problem="bitsandbytes is not installed here (pip install "
                                      "bitsandbytes)")
    result = run_comparison(ComparisonRequest(EMBEDDED, ("fp32", "int8"), max_new_tokens=2),
                            default_registry(), machine=no_bnb)
    fp32, int8 = result.rows
    assert fp32.status == "ok" and int8.status == "skipped"
    assert "pip install bitsandbytes" in int8.reason and int8.text == ""


def test_bad_requests_fail_before_anything_loads():
    with pytest.raises(PlaygroundError, match="max_new_tokens"):
        ComparisonRequest(EMBEDDED, ("fp32",), max_new_tokens=0)
    with pytest.raises(PlaygroundError, match="prompt"):
        ComparisonRequest(EMBEDDED, ("fp32",), prompt="  ")
    with pytest.raises(PlaygroundError, match="unknown model"):
        run_comparison(ComparisonRequest("no such model", ("fp32",)), default_registry())


@pytest.mark.slow  # test_cancelling_ends_the_child_process_at_once: the page's and CLI's path
def test_a_cancelled_comparison_stops_and_says_so():
    started = threading.Event()
    job = submit_comparison(ComparisonRequest(EMBEDDED, ("fp32", "bf16"), max_new_tokens=64),
                            default_registry())
    for _ in range(600):
        if job.fraction > 0 or job.done:
            break
        started.wait(0.05)
    job.cancel()
    with pytest.raises(RequestCancelled):
        job.result(timeout=120)


# -- in a child process (what the page and the CLI do) -----------------------------------------

@pytest.mark.slow  # test_cancelling_ends_the_child_process_at_once: the child ends, its memory with it
def test_in_a_child_process_the_server_gets_its_memory_back(smol):
    from playground.quant.worker import run_isolated

    registry = default_registry()
    progress = []
    result = run_isolated(ComparisonRequest(EMBEDDED, ("fp32", "bf16"), prompt=PROMPT,
                                            max_new_tokens=4),
                          registry, lambda f, m: progress.append((f, m)))
    fp32, bf16 = result.rows
    assert fp32.status == bf16.status == "ok" and fp32.chrf == 100.0
    assert fp32.rss_growth_mb > bf16.rss_growth_mb > 0 and math.isfinite(bf16.perplexity)
    assert fp32.token_ids and fp32.first_divergence is None  # the rows survive the trip
    assert progress[-1][0] == 1.0 and any("bf16" in m for _, m in progress)
    # this process never held a copy: within 10% of where it started (the target)
    assert abs(result.memory_after_mb - result.memory_before_mb) <= 0.1 * \
        result.memory_before_mb


def test_an_error_in_the_child_comes_back_as_the_same_kind_of_error():
    from playground.errors import HubUnreachableError
    from playground.quant.worker import run_isolated

    with pytest.raises(HubUnreachableError, match="cannot be reached"):
        run_isolated(ComparisonRequest("no-such-user/no-such-model", ("fp32",)),
                     default_registry())


def test_cancelling_ends_the_child_process_at_once():
    from playground.quant.worker import run_isolated

    seen, start = [], [0.0]

    def progress(f, m):
        seen.append(m)
        start[0] = start[0] or time.monotonic()

    def cancelled():  # as soon as the first copy starts loading
        return any("loading" in m for m in seen)

    with pytest.raises(RequestCancelled):
        run_isolated(ComparisonRequest(EMBEDDED, ("fp32", "bf16"), max_new_tokens=64),
                     default_registry(), progress, cancelled)
    assert time.monotonic() - start[0] < 10
