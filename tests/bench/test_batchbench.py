"""The batching benchmark times equal work both ways (a tiny run; the real one is the CLI)."""

from playground.bench.batchbench import BENCH_PRESETS, bench_variants, run_bench


def test_bench_variants_are_four_sampling_settings_with_one_seed():
    variants = bench_variants(samples=3, max_new_tokens=48)
    assert len(variants) == len(BENCH_PRESETS) == 4
    assert all(v.do_sample and v.num_return_sequences == 3 and v.max_new_tokens == 48
               for v in variants)


def test_batched_and_separate_runs_give_the_same_texts(smol):
    result = run_bench(smol, samples=2, max_new_tokens=4)
    assert result.identical_texts and result.rows == 8 and 0 < result.new_tokens <= 32
    assert result.batched_s > 0 and result.separate_s > 0
    assert result.to_dict()["ratio"] == round(result.separate_s / result.batched_s, 2)


def test_another_dtype_runs_on_a_private_copy_and_leaves_the_shared_model_alone(smol):
    before = smol.model.dtype
    result = run_bench(smol, samples=1, max_new_tokens=2, dtype="bfloat16")
    assert result.dtype == "bfloat16" and result.rows == 4 and result.new_tokens > 0
    assert smol.model.dtype == before == next(smol.model.parameters()).dtype
    assert not smol.service._closed  # the shared service still serves everyone
