"""Remote engines: the real openai client against an OpenAI-compatible server on 127.0.0.1."""

import json
import socket
import time

import pytest

from playground.serving.capcheck import check

from playground.serving.catalog import ModelSpec
from playground.codegen import generate_code
from playground.config import load_config
from playground.errors import PlaygroundError
from playground.serving.registry import Registry
from playground.serving.remote import RemoteEngineError, RemoteModel, request_params
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings
from tests.conftest import ROOT
from tests.fake_openai import MODEL_ID, FakeEngine

NAME = "echo (remote)"
CHAT = Prompt.chat([{"role": "user", "content": "Tell me a story."}])


@pytest.fixture
def engine():
    with FakeEngine() as e:
        yield e


def remote_registry(base_url, **spec_fields) -> Registry:
    spec = ModelSpec(NAME, "openai", MODEL_ID, True, base_url=base_url, **spec_fields)
    return Registry(catalog={NAME: spec})


def sampling(**changes) -> GenerationSettings:
    return GenerationSettings(do_sample=True, max_new_tokens=10).replace(**changes)


def test_remote_model_loads_without_weights_or_memory_budget(engine):
    reg = remote_registry(engine.base_url)
    loaded = reg.load(NAME)
    assert isinstance(loaded, RemoteModel)
    assert reg.used_bytes() == 0 and loaded.device.type == "remote"
    assert loaded.service.tokenize(loaded.service.render(CHAT)) is None
    assert reg.unload(NAME) and NAME in reg.evicted


def test_chat_samples_stream_with_their_own_seeds_and_settings(engine):
    loaded = remote_registry(engine.base_url).load(NAME)
    cap = check(loaded, refresh=True)  # the capability check runs before the first sample
    assert cap["engine"] == "vllm" and cap["samples"] and cap["seed"] and cap["streams"]
    engine.requests.clear()
    settings = sampling(temperature=0.7, top_p=0.9, top_k=20, min_p=0.05,
                        num_return_sequences=3, seed=7)
    handle = loaded.service.submit(GenerationRequest.single(settings, CHAT))
    deltas = {}
    for row, delta in handle.stream(timeout=30):
        deltas.setdefault(row, []).append(delta)
    result = handle.result()
    # each row streamed word by word, not as one block at the end
    assert sorted(deltas) == [0, 1, 2] and all(len(d) == 10 for d in deltas.values())
    for i, sample in enumerate(result.samples):
        assert sample.text.startswith(f"seed={7 + i} temperature=0.7 top_p=0.9 top_k=20 "
                                      f"min_p=0.05")
        assert sample.finish_reason == "length" and sample.n_tokens == 10
    sent = [r for r in engine.requests if r["_path"] == "/v1/chat/completions"]
    assert sorted(r["seed"] for r in sent) == [7, 8, 9]
    assert all(r["messages"] == list(CHAT.messages) and r["max_tokens"] == 10 for r in sent)
    assert result.prompt_tokens == [4] and result.tokens_per_s > 0 and result.warnings == []


def test_raw_greedy_uses_completions_with_temperature_zero_and_stop_strings(engine):
    loaded = remote_registry(engine.base_url).load(NAME)
    request = GenerationRequest.single(GenerationSettings(max_new_tokens=12),
                                       Prompt.raw("Once upon a time"), stop_strings=("w3",))
    result = loaded.service.submit(request).result(timeout=30)
    body = engine.requests[-1]
    assert body["_path"] == "/v1/completions" and body["prompt"] == "Once upon a time"
    assert body["temperature"] == 0.0 and body["stop"] == ["w3"]
    assert result.samples[0].text.endswith("w1 w2 ")
    assert result.samples[0].finish_reason == "stop string"


def test_off_filters_are_sent_explicitly_so_engine_defaults_do_not_apply():
    spec = ModelSpec(NAME, "openai", MODEL_ID, True, base_url="http://x/v1")
    kw = request_params(spec, sampling(), seed=3)
    assert kw["top_p"] == 1.0 and kw["extra_body"] == {"top_k": -1, "min_p": 0.0}


def test_unsupported_settings_are_reported_and_not_sent(engine):
    loaded = remote_registry(engine.base_url, unsupported=("min_p",)).load(NAME)
    settings = sampling(epsilon_cutoff=0.05, min_p=0.1, top_k=5)
    handle = loaded.service.submit(GenerationRequest.single(settings, CHAT))
    result = handle.result(timeout=30)
    assert len(result.warnings) == 2 and result.warnings == handle.warnings
    assert "epsilon_cutoff = 0.05 was not applied" in result.warnings[0]
    assert "min_p = 0.1 was not applied" in result.warnings[1]
    body = engine.requests[-1]
    assert "min_p" not in body and "epsilon_cutoff" not in body and body["top_k"] == 5
    greedy = loaded.service.submit(GenerationRequest.single(
        GenerationSettings(max_new_tokens=5), CHAT)).result(timeout=30)
    assert greedy.warnings == []  # greedy uses no filter, so nothing was lost


def test_cancel_stops_only_that_request_and_closes_its_stream(engine):
    service = remote_registry(engine.base_url).load(NAME).service
    slow = Prompt.chat([{"role": "user", "content": "slow please"}])
    mine = service.submit(GenerationRequest.single(sampling(max_new_tokens=60), slow))
    other = service.submit(GenerationRequest.single(sampling(max_new_tokens=20), slow))
    next(mine.stream(timeout=10))
    start = time.monotonic()
    mine.cancel()
    cancelled = mine.result(timeout=5)
    assert time.monotonic() - start < 2
    assert cancelled.cancelled and cancelled.samples[0].finish_reason == "cancelled"
    assert other.result(timeout=30).samples[0].finish_reason == "length"
    deadline = time.monotonic() + 5
    while engine.aborted == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert engine.aborted == 1  # the HTTP stream was really closed, not left running


def test_engine_down_is_a_clear_participant_error(engine):
    reg = remote_registry(engine.base_url)
    loaded = reg.load(NAME)
    engine.__exit__(None, None, None)  # the engine goes away after the model was picked
    handle = loaded.service.submit(GenerationRequest.single(sampling(), CHAT))
    with pytest.raises(RemoteEngineError, match="is not answering"):
        handle.result(timeout=30)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    with pytest.raises(RemoteEngineError, match=f"127.0.0.1:{port}/v1 is not answering"):
        remote_registry(f"http://127.0.0.1:{port}/v1").load(NAME)


def test_unknown_model_on_the_engine_and_missing_api_key(engine, monkeypatch):
    spec = ModelSpec(NAME, "openai", "not/served", True, base_url=engine.base_url)
    loaded = Registry(catalog={NAME: spec}).load(NAME)
    with pytest.raises(RemoteEngineError, match="does not serve the model 'not/served'"):
        loaded.service.submit(GenerationRequest.single(sampling(), CHAT)).result(timeout=30)
    monkeypatch.delenv("FAKE_ENGINE_KEY", raising=False)
    with pytest.raises(RemoteEngineError, match="set the environment variable FAKE_ENGINE_KEY"):
        remote_registry(engine.base_url, api_key_env="FAKE_ENGINE_KEY").load(NAME)


def test_catalog_entries_come_from_playground_toml(tmp_path, engine):
    toml = tmp_path / "playground.toml"
    toml.write_text(f'[admin]\npassword_env = "MY_ADMIN_PW"\n\n[[catalog]]\n'
                    f'name = "{NAME}"\nlocation = "{MODEL_ID}"\nbase_url = "{engine.base_url}"\n'
                    f'unsupported = ["epsilon_cutoff", "min_p"]\n')
    config = load_config(toml)
    assert config.admin.password_env == "MY_ADMIN_PW"
    reg = Registry(config)
    spec = reg.catalog[NAME]
    assert spec.source == "openai" and spec.unsupported == ("epsilon_cutoff", "min_p")
    assert "smollm2-135m-instruct" in reg.catalog and reg.allowed(NAME)
    code = generate_code(spec, reg.load(NAME).service.render(CHAT), sampling(seed=4))
    assert "OpenAI(base_url=" in code and "seed=4 + i" in code and "min_p" not in code


@pytest.mark.parametrize("table, message", [
    ('name = "x"\nbase_url = "gpu:8000"', "base_url must be an http"),
    ('name = "x"\nbase_url = "http://h/v1"\nunsupported = ["beam"]', "unsupported may list"),
    ('name = "x"\nbase_url = "http://h/v1"\nport = 1', "unknown key"),
    ('base_url = "http://h/v1"', "needs a name"),
])
def test_bad_catalog_tables_are_rejected_with_a_clear_message(tmp_path, table, message):
    toml = tmp_path / "playground.toml"
    toml.write_text(f"[[catalog]]\n{table}\n")
    with pytest.raises(PlaygroundError, match=message):
        load_config(toml)


def test_cli_generate_prints_warnings(engine, monkeypatch, capsys):
    from playground.cli import main
    from playground.serving.registry import default_registry

    reg = default_registry()
    monkeypatch.setitem(reg.catalog, NAME, ModelSpec(NAME, "openai", MODEL_ID, True,
                                                     base_url=engine.base_url))
    try:
        code = main(["generate", "--model", NAME, "--prompt", "hi", "--chat", "--epsilon",
                     "0.05", "--max-new-tokens", "8", "--seed", "5", "--json"])
    finally:
        reg.unload(NAME)
        reg.evicted.pop(NAME, None)  # leave the shared registry as it was
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == 0 and data["device"] == "remote"
    assert data["outputs"][0]["text"].startswith("seed=5 ")
    assert "epsilon_cutoff" in data["warnings"][0] and "warning: epsilon_cutoff" in err


def test_generate_page_shows_the_warning_for_a_remote_model(engine, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from playground.serving.registry import default_registry

    reg = default_registry()
    monkeypatch.setitem(reg.catalog, NAME, ModelSpec(NAME, "openai", MODEL_ID, True,
                                                     base_url=engine.base_url))
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["model_name"] = NAME
        at.run()
        at.radio(key="gen_mode").set_value("Sampling")
        at.run()
        at.slider(key="gen_epsilon").set_value(0.05)
        at.slider(key="gen_max_new_tokens").set_value(8)
        at.run()
        assert not at.exception
        assert any("tokenized by the remote engine" in e.label for e in at.expander)
        next(b for b in at.button if b.label == "Generate").click()
        at.run()
        assert not at.exception and not at.error
        assert any("epsilon_cutoff = 0.05 was not applied" in w.value for w in at.warning)
        assert any("seed=0 temperature=1.0" in m.value for m in at.markdown)
    finally:
        reg.unload(NAME)
        reg.evicted.pop(NAME, None)  # leave the shared registry as it was


def test_per_request_caps_apply_to_remote_models_too(engine):
    from playground.errors import SettingsError

    service = remote_registry(engine.base_url).load(NAME).service
    with pytest.raises(SettingsError, match="max_new_tokens is capped"):
        service.submit(GenerationRequest.single(sampling(max_new_tokens=2000), CHAT))
    assert engine.requests == []  # refused before anything was sent


@pytest.mark.parametrize("page", ["tokenizer_model", "chat_template", "sampling_lens"])
def test_pages_that_need_local_weights_explain_instead_of_failing(engine, monkeypatch, page):
    from streamlit.testing.v1 import AppTest

    from playground.serving.registry import default_registry

    reg = default_registry()
    monkeypatch.setitem(reg.catalog, NAME, ModelSpec(NAME, "openai", MODEL_ID, True,
                                                     base_url=engine.base_url))
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["model_name"] = NAME
        at.run()
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception and not at.error
        assert any("runs on a remote engine" in i.value for i in at.info)
    finally:
        reg.unload(NAME)
        reg.evicted.pop(NAME, None)


def test_prompt_lab_shows_remote_outputs_without_a_local_tokenizer(engine, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from playground.serving.registry import default_registry

    reg = default_registry()
    monkeypatch.setitem(reg.catalog, NAME, ModelSpec(NAME, "openai", MODEL_ID, True,
                                                     base_url=engine.base_url))
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["model_name"] = NAME
        at.run()
        at.switch_page("pages/prompt_lab.py").run()
        assert not at.exception
        go = [b for b in at.button if b.label == "Generate"]
        go[0].click()
        at.run()
        assert not at.exception and not at.error
        assert any(c.value for c in at.code)  # the engine's answers are shown
    finally:
        reg.unload(NAME)
        reg.evicted.pop(NAME, None)


def test_remote_lens_shows_the_engines_top_n_with_probabilities(engine):
    from playground.serving.remote_lens import top_candidates

    loaded = remote_registry(engine.base_url).load(NAME)
    lens = top_candidates(loaded, CHAT, GenerationSettings(max_new_tokens=2), top=3)
    assert lens["text"] == "Once upon" and [s["token"] for s in lens["steps"]] == ["Once", " upon"]
    first = lens["steps"][0]["candidates"]
    assert [t for t, _ in first] == ["Once", "alt1", "alt2"]
    assert first[0][1] > first[1][1] > first[2][1] and abs(first[0][1] - 0.905) < 0.001
    assert "top 3" in lens["label"] and "not the full distribution" in lens["label"]


def test_lens_cli_on_a_remote_engine_prints_its_top_n(engine, monkeypatch, capsys):
    from playground.cli import main
    from playground.serving import registry

    monkeypatch.setattr(registry, "_default", remote_registry(engine.base_url))
    code = main(["lens", "--model", NAME, "--top", "2", "--greedy"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "the engine's top 2 (vllm): not the full distribution" in out
    assert "step 0: chose 'Once' (0.905); top: 'Once' 0.905, 'alt1' 0.333" in out


def test_the_playgrounds_own_knobs_are_reported_as_not_applied_by_a_remote_engine(engine):
    """repetition_penalty, no_repeat_ngram_size, max_length and beam search run in the
    playground's own decode step: a remote request does not carry them (issue 32)."""
    loaded = remote_registry(engine.base_url).load(NAME)
    settings = GenerationSettings(max_new_tokens=5, repetition_penalty=1.2, num_beams=2)
    result = loaded.service.submit(GenerationRequest.single(settings, CHAT)).result(timeout=30)
    assert [w.split(" was")[0] for w in result.warnings] == ["repetition_penalty = 1.2",
                                                             "num_beams = 2"]
