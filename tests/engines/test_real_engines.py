"""The remote-engine path against engines we did not write (transformers serve; llama.cpp opt-in)."""

from __future__ import annotations

import pytest

from playground.errors import PlaygroundError
from playground.serving.capcheck import check, warnings_for
from playground.serving.engines import detect
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings

CHAT = Prompt.chat([{"role": "user", "content": "Tell me a story about a dragon."}])


def run(loaded, settings, prompt=CHAT):
    return loaded.service.submit(GenerationRequest.single(settings, prompt)).result()


def test_transformers_serve_is_detected_and_greedy_is_repeatable(transformers_serve):
    assert detect(transformers_serve.base_url) == "transformers"
    loaded = transformers_serve.registry().load("real")
    assert loaded.engine == "transformers"
    greedy = GenerationSettings(max_new_tokens=8)
    a, b = run(loaded, greedy), run(loaded, greedy)
    assert a.samples[0].text and a.samples[0].text == b.samples[0].text


def test_transformers_serve_samples_two_seeds_into_two_texts(transformers_serve):
    loaded = transformers_serve.registry().load("real")
    settings = GenerationSettings(do_sample=True, temperature=1.0, max_new_tokens=12,
                                  num_return_sequences=2, seed=3)
    result = run(loaded, settings)
    texts = [s.text for s in result.samples]
    assert texts[0] != texts[1]  # sent with generation_config do_sample, not left greedy
    assert not any("did not sample" in w for w in result.warnings)


def test_capability_check_of_transformers_serve(transformers_serve):
    loaded = transformers_serve.registry().load("real")
    cap = check(loaded)
    assert cap["error"] is None
    assert cap["samples"] is True and cap["streams"] is True and cap["logprobs"] is False
    assert cap["seed"] is True  # a global torch seed, set per request: same seed, same text
    assert check(loaded) is cap  # cached per engine


def test_streaming_and_stop(transformers_serve):
    loaded = transformers_serve.registry().load("real")
    handle = loaded.service.submit(GenerationRequest.single(
        GenerationSettings(max_new_tokens=200), CHAT))
    deltas = []
    for _row, delta in handle.stream(timeout=120):
        deltas.append(delta)
        if len(deltas) == 3:
            handle.cancel()
    result = handle.result()
    assert len(deltas) >= 3 and result.samples[0].finish_reason == "cancelled"
    assert (result.samples[0].token_count or 0) < 200


def test_a_refused_field_shows_the_engines_own_message(transformers_serve):
    # told it is vLLM, the client sends top_k / min_p in the body; transformers refuses them
    loaded = transformers_serve.registry(engine="vllm").load("real")
    settings = GenerationSettings(do_sample=True, top_k=20, max_new_tokens=4)
    with pytest.raises(PlaygroundError) as info:
        handle = loaded.service.submit(GenerationRequest.single(settings, CHAT))
        handle.result()
    assert "422" in str(info.value) and "top_k" in str(info.value)


def test_llama_cpp_server_samples_honours_seeds_and_gives_logprobs(llama_server):
    assert detect(llama_server.base_url) == "llama.cpp"
    loaded = llama_server.registry().load("real")
    cap = check(loaded)
    assert cap == {**cap, "samples": True, "seed": True, "streams": True, "logprobs": True}
    assert warnings_for(loaded) == []
