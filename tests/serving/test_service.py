"""The generation service on the real embedded model: streaming, ordering, cancel, limits."""

import threading

import pytest

from playground.config import ServiceConfig
from playground.errors import PlaygroundError, ServiceBusyError
from playground.serving.service import GenerationRequest, GenerationService, Prompt, generate
from playground.serving.settings import GenerationSettings

SAMPLING = GenerationSettings(do_sample=True, temperature=0.9, top_p=0.95,
                              max_new_tokens=24, num_return_sequences=2, seed=11)


def test_streamed_deltas_add_up_to_the_final_texts(smol, chat_prompt):
    handle = smol.service.submit(GenerationRequest.single(SAMPLING, chat_prompt))
    pieces = {0: "", 1: ""}
    for row, delta in handle.stream(timeout=120):
        assert delta
        pieces[row] += delta
    result = handle.result()
    assert [pieces[0], pieces[1]] == result.texts()
    assert all(s.n_tokens > 0 for s in result.samples)
    assert result.ttft_s is not None and 0 < result.ttft_s <= result.total_s
    assert result.tokens_per_s > 0 and result.prompt_tokens[0] > 10


def test_same_request_gives_identical_text_every_time(smol, chat_prompt):
    request = GenerationRequest.single(SAMPLING, chat_prompt)
    first, second = generate(smol, request).texts(), generate(smol, request).texts()
    assert first == second and first[0] != first[1]  # reproducible, yet two different samples


def test_a_different_seed_gives_different_text(smol, chat_prompt):
    a = generate(smol, GenerationRequest.single(SAMPLING, chat_prompt)).texts()
    b = generate(smol, GenerationRequest.single(SAMPLING.replace(seed=12), chat_prompt)).texts()
    assert a != b and a[1] == b[0]  # sample i uses seed + i


def test_concurrent_sessions_get_their_own_text_unmixed(smol):
    prompts = ["The capital of France is", "Once upon a time", "def fibonacci(n):"]
    greedy = GenerationSettings(max_new_tokens=16)
    alone = [generate(smol, GenerationRequest.single(greedy, Prompt.raw(p))).texts()[0]
             for p in prompts]
    handles = [smol.service.submit(GenerationRequest.single(greedy, Prompt.raw(p)))
               for p in prompts]
    assert [h.result(timeout=120).texts()[0] for h in handles] == alone


def test_cancel_stops_only_that_request(smol, chat_prompt):
    long = GenerationSettings(max_new_tokens=200)
    victim = smol.service.submit(GenerationRequest.single(long, chat_prompt))
    other = smol.service.submit(GenerationRequest.single(long.replace(max_new_tokens=40),
                                                         chat_prompt))
    for _row, _delta in victim.stream(timeout=120):
        victim.cancel()  # after the first token
    stopped, finished = victim.result(), other.result(timeout=120)
    assert stopped.cancelled and stopped.samples[0].finish_reason == "cancelled"
    assert stopped.samples[0].n_tokens < 10
    assert finished.samples[0].n_tokens == 40 and not finished.cancelled


def test_cancel_while_queued_never_runs(smol, chat_prompt):
    service = GenerationService(smol, ServiceConfig(max_queue=4, max_batch_rows=1))
    try:
        first = service.submit(GenerationRequest.single(GenerationSettings(max_new_tokens=30),
                                                        chat_prompt))
        queued = service.submit(GenerationRequest.single(GenerationSettings(), chat_prompt))
        assert queued.position() in (1, 2)
        queued.cancel()
        assert queued.result(timeout=60).new_tokens == 0 and first.result(timeout=120).new_tokens
    finally:
        service.close()


def test_full_queue_says_busy_instead_of_hanging(smol, chat_prompt):
    service = GenerationService(smol, ServiceConfig(max_queue=1, max_batch_rows=1))
    request = GenerationRequest.single(GenerationSettings(max_new_tokens=40), chat_prompt)
    handles = []
    try:
        with pytest.raises(ServiceBusyError, match="busy"):
            for _ in range(5):
                handles.append(service.submit(request))
    finally:
        for h in handles:
            h.cancel()
        service.close()


def test_stop_string_ends_the_row_and_is_not_shown(smol):
    request = GenerationRequest.single(GenerationSettings(max_new_tokens=40),
                                       Prompt.raw("1, 2, 3, 4,"), stop_strings=(" 7",))
    sample = generate(smol, request).samples[0]
    assert sample.finish_reason == "stop string" and " 7" not in sample.text
    assert "5" in sample.text


def test_prompt_longer_than_the_context_is_a_clear_error(smol):
    huge = Prompt.raw("word " * (smol.context_length + 10))
    with pytest.raises(PlaygroundError, match=f"context of {smol.context_length} tokens"):
        generate(smol, GenerationRequest.single(GenerationSettings(), huge))


def test_bad_messages_fail_that_request_only(smol):
    bad = Prompt.chat([{"role": "assistant", "content": "hi"}])
    with pytest.raises(PlaygroundError, match="start with a user message"):
        generate(smol, GenerationRequest.single(GenerationSettings(), bad))
    ok = generate(smol, GenerationRequest.single(GenerationSettings(max_new_tokens=3),
                                                 Prompt.raw("Hello")))
    assert ok.new_tokens == 3


def test_owner_thread_serves_many_threads_at_once(smol):
    results, errors = [], []

    def session(i):
        try:
            s = GenerationSettings(do_sample=True, seed=i, max_new_tokens=8)
            results.append(generate(smol, GenerationRequest.single(s, Prompt.raw("Hi")),
                                    timeout=120))
        except Exception as err:  # collected, asserted below
            errors.append(err)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 8
