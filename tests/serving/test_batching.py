"""Batching across sessions: rows joining a running batch, fairness and limits."""

import time

import pytest

from playground.config import LimitsConfig, ServiceConfig
from playground.serving.engine import Row, run_batch
from playground.errors import SettingsError
from playground.serving.service import GenerationRequest, GenerationService, Prompt, generate
from playground.serving.settings import GenerationSettings as S


def chat_ids(smol, text):
    rendered = smol.service.render(Prompt.chat([{"role": "user", "content": text}]))
    return smol.service.tokenize(rendered)


def test_rows_joining_mid_batch_generate_what_they_would_alone(smol):
    prompts = [chat_ids(smol, t) for t in ("Tell me about dragons.", "Hi",
                                           "Explain the water cycle in detail, step by step.")]
    settings = [S(max_new_tokens=24), S(do_sample=True, seed=3, temperature=0.9,
                                        max_new_tokens=20),
                S(do_sample=True, seed=4, top_k=5, max_new_tokens=16)]

    def row(i):
        return Row(prompt_ids=prompts[i], settings=settings[i], seed=settings[i].seed,
                   on_token=lambda _t: None)

    alone = []
    for i in range(3):
        r = row(i)
        run_batch(smol.model, [r], {2}, 2)
        alone.append(r.generated)
    rows, steps = [row(i) for i in range(3)], []

    def admit(running):
        steps.append(running)
        return {3: [rows[1]], 8: [rows[2]]}.get(len(steps), [])

    run_batch(smol.model, [rows[0]], {2}, 2, admit=admit)
    assert [r.generated for r in rows] == alone
    # the admit callback sees the running rows: 1, then 2 once rows[1] joined at call 3
    assert steps[:3] == [1, 1, 1] and steps[3] == 2 and max(steps) >= 2


def test_rows_sharing_a_prompt_share_one_prefill_and_keep_their_own_text(smol):
    dragon, hi = chat_ids(smol, "Tell me about dragons."), chat_ids(smol, "Hi")
    settings = [S(do_sample=True, seed=s, top_p=p, max_new_tokens=12)
                for s, p in ((1, 0.9), (2, 0.5), (3, 1.0), (1, 0.9))]
    prompts = [dragon, dragon, hi, dragon]

    def rows():
        return [Row(prompt_ids=p, settings=s, seed=s.seed, on_token=lambda _t: None)
                for p, s in zip(prompts, settings)]

    alone = []
    for r in rows():
        run_batch(smol.model, [r], {2}, 2)
        alone.append(r.generated)
    widths = []
    hook = smol.model.register_forward_pre_hook(
        lambda _m, _a, kw: widths.append(tuple(kw["input_ids"].shape)), with_kwargs=True)
    try:
        together = rows()
        run_batch(smol.model, together, {2}, 2)
    finally:
        hook.remove()
    assert [r.generated for r in together] == alone
    assert alone[0] == alone[3] and alone[0] != alone[1]
    # the first pass is the prefill: two distinct prompts, not four rows
    assert widths[0] == (2, len(dragon)) and widths[1][0] == 4


def test_a_batch_that_never_empties_does_not_keep_old_padding(smol):
    """Continuous admission: rows come and go for many steps. The cache holds only the
    columns some running row still attends to, and every row still writes what it would
    alone."""
    prompt = chat_ids(smol, "Hi")

    def row(i):
        s = S(do_sample=True, seed=i, max_new_tokens=8)
        return Row(prompt_ids=prompt, settings=s, seed=i, on_token=lambda _t: None)

    alone = []
    for i in range(8):
        r = row(i)
        run_batch(smol.model, [r], set(), 2)  # no eos: every row runs its 8 tokens
        alone.append(r.generated)
    rows, calls, widths = [row(i) for i in range(8)], [0], []

    def admit(_running):
        calls[0] += 1
        i = calls[0] // 4  # a new row every 4 steps, each lives 8: the batch never empties
        return [rows[i]] if calls[0] % 4 == 0 and i < len(rows) else []

    hook = smol.model.register_forward_pre_hook(
        lambda _m, _a, kw: widths.append(kw["attention_mask"].shape[1]), with_kwargs=True)
    try:
        run_batch(smol.model, [rows[0]], set(), 2, admit=admit)
    finally:
        hook.remove()
    assert [r.generated for r in rows] == alone
    # ~37 steps in one batch; without trimming the mask would reach prompt + 32 columns
    assert len(widths) > 32 and max(widths) <= len(prompt) + 8 + 4


def test_a_short_request_arriving_later_finishes_before_the_long_one(smol, chat_prompt):
    service = GenerationService(smol, ServiceConfig(gather_ms=0))
    try:
        long = service.submit(GenerationRequest.single(S(max_new_tokens=80), chat_prompt))
        next(iter(long.stream(timeout=60)))  # the long one is running
        short = service.submit(GenerationRequest.single(S(max_new_tokens=4), Prompt.raw("Hi")))
        short_result = short.result(timeout=60)
        assert not long.done  # joined the running batch instead of waiting for it
        assert short_result.new_tokens == 4 and long.result(timeout=120).new_tokens > 4
    finally:
        service.close()


def test_a_new_request_from_the_same_session_and_page_cancels_the_old_one(smol, chat_prompt):
    first = smol.service.submit(GenerationRequest((chat_prompt,), (S(max_new_tokens=150),),
                                                  session="tab-1/generate"))
    other = smol.service.submit(GenerationRequest((chat_prompt,), (S(max_new_tokens=10),),
                                                  session="tab-2/generate"))
    second = smol.service.submit(GenerationRequest((chat_prompt,), (S(max_new_tokens=5),),
                                                   session="tab-1/generate"))
    assert first.result(timeout=120).cancelled
    assert not other.result(timeout=120).cancelled and second.result(timeout=120).new_tokens == 5


def test_per_request_caps_name_the_limit(smol, chat_prompt):
    service = GenerationService(smol, limits=LimitsConfig(max_new_tokens=32, max_samples=4,
                                                          max_rows=6))
    try:
        with pytest.raises(SettingsError, match="capped at 32"):
            service.submit(GenerationRequest.single(S(max_new_tokens=64), chat_prompt))
        with pytest.raises(SettingsError, match="at most 4 samples"):
            service.submit(GenerationRequest.single(
                S(do_sample=True, num_return_sequences=5, max_new_tokens=8), chat_prompt))
        with pytest.raises(SettingsError, match="allows 6 per request"):
            service.submit(GenerationRequest((chat_prompt,) * 7, (S(max_new_tokens=8),)))
    finally:
        service.close()


def test_a_request_running_past_its_timeout_is_stopped(smol, chat_prompt):
    service = GenerationService(smol, ServiceConfig(request_timeout_s=0.5, gather_ms=0))
    try:
        start = time.perf_counter()
        result = service.submit(GenerationRequest.single(S(max_new_tokens=500),
                                                         chat_prompt)).result(timeout=60)
        assert result.samples[0].finish_reason in ("timeout", "eos")
        assert time.perf_counter() - start < 10
    finally:
        service.close()


def test_stats_count_tokens_sessions_and_queue(smol, chat_prompt):
    service = GenerationService(smol)
    try:
        handle = service.submit(GenerationRequest((chat_prompt,), (S(max_new_tokens=12),),
                                                  session="tab-9/generate"))
        next(iter(handle.stream(timeout=60)))
        live = service.stats()
        assert live["active_sessions"] == 1 and live["running_rows"] == 1
        handle.result(timeout=60)
        done = service.stats()
        assert done["generated_tokens"] == 12 and done["tokens_per_s_now"] > 0
        assert done["completed"] == 1 and done["running_requests"] == 0 and not service.busy()
    finally:
        service.close()


def test_requests_pressed_together_start_in_one_batch(smol, chat_prompt):
    service = GenerationService(smol, ServiceConfig(gather_ms=100, continuous=False))
    try:
        handles = [service.submit(GenerationRequest.single(S(max_new_tokens=6), chat_prompt))
                   for _ in range(4)]
        results = [h.result(timeout=120) for h in handles]
        # all four were prepared before anyone's first token: one prefill, one batch
        assert max(h.started_at for h in handles) < min(h.first_token_at for h in handles)
        assert all(r.new_tokens == 6 for r in results)
    finally:
        service.close()


def test_overlapped_steps_write_the_same_texts_and_waste_at_most_one_token_a_row(smol):
    """The GPU's overlap (the next forward queued before the step's tokens are read), run
    on the CPU: rows that finish, stop or join mid-way write what they write without it,
    and each finished row costs one forward step at most."""
    prompts = [chat_ids(smol, t) for t in ("Tell me about dragons.", "Hi", "Count to ten.")]
    settings = [S(max_new_tokens=12), S(do_sample=True, seed=3, top_p=0.9, max_new_tokens=5),
                S(do_sample=True, seed=4, top_k=20, max_new_tokens=9)]

    def rows():
        out = [Row(prompt_ids=p, settings=s, seed=s.seed, on_token=lambda _t: None)
               for p, s in zip(prompts, settings)]
        out[0].stop = lambda r=out[0]: len(r.generated) >= 7  # a Stop after 7 tokens
        return out

    def run(overlap):
        rs, calls, steps = rows(), [0], []

        def admit(_running):
            calls[0] += 1
            return [rs[2]] if calls[0] == 3 else []

        hook = smol.model.register_forward_pre_hook(
            lambda _m, _a, kw: steps.append(kw["input_ids"].shape[0]), with_kwargs=True)
        try:
            run_batch(smol.model, rs[:2], {2}, 2, admit=admit, overlap=overlap)
        finally:
            hook.remove()
        return [r.generated for r in rs], [r.finish_reason for r in rs], steps

    texts, reasons, plain_steps = run(False)
    overlapped, overlapped_reasons, steps = run(True)
    assert overlapped == texts and overlapped_reasons == reasons
    assert reasons[:2] == ["stopped", "length"]
    wasted = sum(steps) - sum(plain_steps)  # row-steps computed for rows already finished
    assert 0 < wasted <= len(texts)
