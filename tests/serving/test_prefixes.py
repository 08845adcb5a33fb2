"""Shared prompt heads: read once, kept for later prompts, and the texts unchanged."""

import pytest
import torch
from transformers import Gemma3TextConfig, LlamaConfig

from playground.bench.adapterbench import write_random_adapter
from playground.config import ServiceConfig
from playground.errors import PlaygroundError
from playground.serving.adapters import multi_lora, read_adapter
from playground.serving.engine import Row, _prefix_fits, run_batch
from playground.serving.prefixes import Prefix, PrefixCache, common_prefix
from playground.serving.service import GenerationRequest, GenerationService, Prompt
from playground.serving.settings import GenerationSettings as S

EMBEDDED = "smollm2-135m-instruct"
QUESTIONS = ("Tell me about dragons.", "What is rain?", "Explain the water cycle in detail.",
             "Write a haiku about the sea.")


def chat_ids(smol, text):
    rendered = smol.service.render(Prompt.chat([{"role": "user", "content": text}]))
    return smol.service.tokenize(rendered)


def rows_for(prompts, settings, adapters=None):
    adapters = adapters or [None] * len(prompts)
    return [Row(prompt_ids=p, settings=s, seed=s.seed, on_token=lambda _t: None, adapter=a)
            for p, s, a in zip(prompts, settings, adapters)]


def mixed_settings(n, new=12):
    return [S(max_new_tokens=new) if i % 2 == 0 else
            S(do_sample=True, seed=i, temperature=0.9, top_p=0.95, max_new_tokens=new)
            for i in range(n)]


def widths_of(model, run):
    """The [rows, tokens] of every forward ``run`` makes."""
    seen = []
    hook = model.register_forward_pre_hook(
        lambda _m, _a, kw: seen.append(tuple(kw["input_ids"].shape)), with_kwargs=True)
    try:
        run()
    finally:
        hook.remove()
    return seen


# -- choosing the head (no model) ---------------------------------------------------------
class Weights:  # an adapter's weights object, as ``LoraWeights`` is one
    pass


def entry(tokens, adapter=None, weights=None, nbytes=100):
    layer = (torch.zeros(1, 1, len(tokens), 2), torch.zeros(1, 1, len(tokens), 2))
    made = Prefix.of(tuple(tokens), adapter, weights, (layer,))
    return Prefix(made.tokens, adapter, made.weights, made.layers, nbytes)


def test_the_target_is_the_prompts_common_head_and_every_prompt_keeps_a_token():
    cache = PrefixCache(min_shared=3)
    assert cache.target([(1, 2, 3, 4, 5), (1, 2, 3, 4, 9), (1, 2, 3, 7)]) == 3
    assert cache.target([(1, 2, 3, 4), (1, 2, 3, 4, 5, 6)]) == 3  # the shorter keeps its last
    assert cache.target([(1, 2, 8, 9), (1, 2, 3, 4)]) == 0        # under min_shared: none
    assert cache.target([(5, 6, 7, 8, 9)]) == 0                   # alone, nothing seen yet
    cache.seen([(5, 6, 7, 1, 1, 1)])
    assert cache.target([(5, 6, 7, 8, 9)]) == 3                   # shared with a recent one
    assert common_prefix((1, 2), (1, 2, 3)) == 2 and common_prefix((), (1,)) == 0


def test_a_kept_head_is_found_only_for_prompts_it_begins_and_its_adapters_weights():
    cache, w1, w2 = PrefixCache(min_shared=2), Weights(), Weights()
    cache.keep(entry((1, 2, 3)))
    cache.keep(entry((1, 2, 3, 4, 5)))
    cache.keep(entry((1, 2, 3), "a", w1))
    prompts = [(1, 2, 3, 4, 5, 6), (1, 2, 3, 4, 5, 7)]
    assert cache.find(prompts, {None: None}) == 5                  # the longest that fits
    assert cache.find([(1, 2, 3, 4, 5)], {None: None}) == 3        # its last token must run
    assert cache.find(prompts, {None: None, "a": w1}) == 3         # kept for both adapters
    assert cache.find(prompts, {None: None, "a": w2}) == 0         # "a" reloaded: new weights
    assert cache.find([(9, 2, 3, 4)], {None: None}) == 0
    layer = (torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2))
    assert Prefix.of((1, 2), None, None, (layer,)).nbytes == 2 * 16  # keys and values
    del w1  # the adapter unloaded: its head holds nothing of it, and is never found again
    assert cache.get("a", (1, 2, 3)).weights() is None
    assert cache.find(prompts, {None: None, "a": None}) == 0


def test_the_least_recently_used_heads_go_when_the_budget_is_exceeded():
    cache = PrefixCache(max_bytes=250, min_shared=1)
    cache.seen([(3, 3, 3, 3)])
    cache.keep(entry((1, 1)))
    cache.keep(entry((2, 2)))
    assert cache.get(None, (1, 1)) is not None                     # (1, 1) used: (2, 2) oldest
    cache.keep(entry((3, 3)))
    assert cache.get(None, (2, 2)) is None and cache.get(None, (1, 1)) is not None
    cache.keep(entry((4, 4), nbytes=251))                          # larger than it all: not kept
    assert cache.stats()["prefixes"] == 2 and cache.stats()["bytes"] == 200
    copy = cache.copy()  # the same heads and recent prompts, kept apart from here on
    cache.clear()
    assert cache.stats()["prefixes"] == 0 and cache.target([(3, 3, 3)]) == 0
    assert copy.stats()["prefixes"] == 2 and copy.get(None, (3, 3)) is not None
    assert copy.target([(3, 3, 3)]) == 2


def test_a_sliding_window_model_shares_only_while_every_column_stays_in_its_window():
    class Model:
        def __init__(self, config):
            self.config = config

    gemma = Model(Gemma3TextConfig(sliding_window=512, num_hidden_layers=2))
    assert _prefix_fits(gemma, 512) and not _prefix_fits(gemma, 513)
    assert _prefix_fits(Model(LlamaConfig(num_hidden_layers=2)), 100_000)


def test_the_service_s_budget_is_checked_and_zero_turns_sharing_off(smol):
    with pytest.raises(PlaygroundError, match="prefix_cache_mb"):
        ServiceConfig(prefix_cache_mb=-1)
    with pytest.raises(PlaygroundError, match="prefix_cache_mb"):
        ServiceConfig(prefix_cache_mb="lots")
    service = GenerationService(smol, ServiceConfig(prefix_cache_mb=0))
    try:
        assert service.prefixes is None and service.stats()["prefix_cache"] is None
    finally:
        service.close()


# -- the real model -----------------------------------------------------------------------
def test_a_room_s_prompts_read_their_common_head_once_and_write_what_they_would_alone(smol):
    prompts = [chat_ids(smol, q) for q in QUESTIONS]
    settings = mixed_settings(len(prompts))
    head = min(common_prefix(tuple(prompts[0]), tuple(p)) for p in prompts[1:])
    assert head >= 20  # SmolLM2's system prompt and the user's turn marker

    alone = []
    for r in rows_for(prompts, settings):
        run_batch(smol.model, [r], {2}, 2)
        alone.append(r.generated)
    cache = PrefixCache()
    together = rows_for(prompts, settings)
    shapes = widths_of(smol.model, lambda: run_batch(smol.model, together, {2}, 2,
                                                     prefixes=cache))
    assert [r.generated for r in together] == alone
    longest = max(len(p) for p in prompts)
    assert shapes[0] == (1, head)                       # the head, once
    assert shapes[1] == (len(prompts), longest - head)  # then each prompt's own tokens
    assert cache.stats()["prefixes"] == 1 and cache.stats()["longest"] == head
    assert cache.stats()["tokens_saved"] == head * (len(prompts) - 1)


def test_a_prompt_arriving_alone_takes_the_kept_head_and_its_text_is_unchanged(smol):
    cache = PrefixCache()
    first, second, third = (chat_ids(smol, q) for q in QUESTIONS[:3])
    s = S(do_sample=True, seed=7, temperature=0.8, max_new_tokens=10)
    plain = rows_for([third], [s])
    run_batch(smol.model, plain, {2}, 2)
    for prompt in (first, second):  # the second shares the head with the first: kept
        run_batch(smol.model, rows_for([prompt], [s]), {2}, 2, prefixes=cache)
    head = common_prefix(tuple(first), tuple(second))
    assert cache.stats()["longest"] == head and cache.stats()["hits"] == 0
    again = rows_for([third], [s])
    shapes = widths_of(smol.model, lambda: run_batch(smol.model, again, {2}, 2,
                                                     prefixes=cache))
    assert again[0].generated == plain[0].generated
    assert shapes[0] == (1, len(third) - head)  # only its own tokens: the head was kept
    assert cache.stats()["hits"] == 1


def test_a_row_joining_a_running_batch_on_a_kept_head_writes_what_it_would_alone(smol):
    prompts = [chat_ids(smol, q) for q in QUESTIONS[:3]]
    settings = mixed_settings(3, new=10)
    alone = []
    for r in rows_for(prompts, settings):
        run_batch(smol.model, [r], set(), 2)
        alone.append(r.generated)
    rows, calls, cache = rows_for(prompts, settings), [0], PrefixCache()

    def admit(_running):  # one newcomer at step 3, one at step 6: each prefilled alone
        calls[0] += 1
        return {3: [rows[1]], 6: [rows[2]]}.get(calls[0], [])

    run_batch(smol.model, [rows[0]], set(), 2, admit=admit, prefixes=cache)
    assert [r.generated for r in rows] == alone
    assert cache.stats()["hits"] == 1  # the third newcomer found the head the second kept


def test_rows_on_different_adapters_share_the_tokens_but_each_adapter_its_own_head(smol,
                                                                                   tmp_path):
    lora = multi_lora(smol.model)
    names = ["prefix-test-a", "prefix-test-b"]
    for i, name in enumerate(names):
        folder = write_random_adapter(smol.model, tmp_path / name, EMBEDDED, seed=40 + i)
        lora.attach(read_adapter(name, folder, EMBEDDED, smol.model))
    try:
        prompts = [chat_ids(smol, q) for q in QUESTIONS[:3]]
        adapters = [names[0], None, names[1]]
        settings = [S(max_new_tokens=6)] * 3
        alone = []
        for r in rows_for(prompts, settings, adapters):
            run_batch(smol.model, [r], {2}, 2)
            alone.append(r.generated)
        cache = PrefixCache()
        together = rows_for(prompts, settings, adapters)
        shapes = widths_of(smol.model, lambda: run_batch(smol.model, together, {2}, 2,
                                                         prefixes=cache))
        assert [r.generated for r in together] == alone
        assert alone[0] != alone[1] != alone[2]  # the adapters do change the text
        assert shapes[0][0] == 3 and cache.stats()["prefixes"] == 3  # a head per adapter
        # reloaded under the same name with other weights: its old head is never used
        folder = write_random_adapter(smol.model, tmp_path / "again", EMBEDDED, seed=99)
        lora.attach(read_adapter(names[0], folder, EMBEDDED, smol.model))
        plain = rows_for([prompts[0]], settings[:1], names[:1])
        run_batch(smol.model, plain, {2}, 2)
        shared = rows_for([prompts[0]], settings[:1], names[:1])
        run_batch(smol.model, shared, {2}, 2, prefixes=cache)
        assert shared[0].generated == plain[0].generated != alone[0]
        assert cache.stats()["hits"] == 0
    finally:
        for name in names:
            lora.detach(name)


def test_the_service_shares_the_head_and_admin_counts_the_tokens(smol):
    from playground.room.admin import resident_report

    service = GenerationService(smol, ServiceConfig(gather_ms=200))
    try:
        handles = [service.submit(GenerationRequest(
            (Prompt.chat([{"role": "user", "content": q}]),), (S(max_new_tokens=4),),
            session=f"tab-{i}")) for i, q in enumerate(QUESTIONS)]
        assert all(h.result(timeout=120).new_tokens > 0 for h in handles)
        assert service.stats()["prefix_cache"]["tokens_saved"] >= 20 * 3
    finally:
        service.close()
    report = resident_report(type("R", (), {"resident": lambda self: [smol]})())
    assert "shared prompt tokens" in report[0]
