"""Model registry offline: resolution, the embedded model's conversion, errors, residency."""

import re
import threading
import time

import pytest
from huggingface_hub.errors import GatedRepoError

from playground.serving import registry as reg_mod
from playground.config import Config, ModelsConfig
from playground.errors import (GatedModelError, PlaygroundError, HubUnreachableError, ModelNotInstalledError,
                               UnknownModelError)
from playground.serving.registry import CATALOG, ModelSpec, Registry, _hub_error, resolve


def test_catalog_names_hf_ids_and_folders_resolve(tmp_path):
    assert resolve("smollm2-135m-instruct").source == "embedded"
    assert resolve("Qwen/Qwen3-0.6B").source == "hf"
    assert resolve(str(tmp_path)).source == "local"


@pytest.mark.parametrize("name", ["", "no such model", "../etc", "a/b/c"])
def test_anything_else_is_an_unknown_model_with_the_choices(name):
    with pytest.raises(UnknownModelError) as info:
        resolve(name)
    assert "smollm2-135m-instruct" in str(info.value) and "Hugging Face id" in str(info.value)


def test_unreachable_hub_is_a_clear_typed_error_fast_and_nothing_is_cached():
    reg = Registry()
    for _ in range(2):
        start = time.perf_counter()
        with pytest.raises(HubUnreachableError, match="cannot be reached"):
            reg.load("no-such/model")
        assert time.perf_counter() - start < 5
    assert reg.loads == 2 and reg.resident() == []


def test_gated_repository_error_asks_for_licence_and_token():
    import httpx

    response = httpx.Response(403, request=httpx.Request("GET", "https://huggingface.co/x"))
    err = OSError("You are trying to access a gated repo.")
    err.__cause__ = GatedRepoError("403 gated", response=response)
    mapped = _hub_error(resolve("meta-llama/Llama-2-7b-chat-hf"), err)
    assert isinstance(mapped, GatedModelError)
    assert "access token" in str(mapped) and "licence" in str(mapped)


def test_token_never_appears_in_messages():
    secret = "hf_" + "x" * 30
    reg = Registry()
    with pytest.raises(HubUnreachableError) as info:
        reg.load("no-such/model", token=secret)
    assert secret not in str(info.value) and secret not in repr(info.value.__dict__)


def test_missing_optional_package_says_how_to_install():
    spec = ModelSpec("ghost", "gguf-package", "no_such_pkg_xyz", False,
                     install="pip install no-such-pkg-xyz")
    reg = Registry(catalog={"ghost": spec})
    with pytest.raises(ModelNotInstalledError, match="pip install no-such-pkg-xyz"):
        reg.load("ghost")
    assert reg.resident() == []


def test_thirty_sessions_asking_at_once_load_the_model_once(smol):
    reg = Registry()
    results = []
    barrier = threading.Barrier(30)

    def session():
        barrier.wait()
        results.append(reg.load("smollm2-135m-instruct"))

    threads = [threading.Thread(target=session) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert reg.loads == 1 and len({id(r) for r in results}) == 1


def test_embedded_model_is_converted_once_to_safetensors_and_reused(smol, monkeypatch):
    copy = smol.spec.name
    folder = Registry().config.cache_dir / copy
    assert (folder / "model.safetensors").exists() and not list(folder.glob("*.gguf"))

    def no_gguf(_spec):
        raise AssertionError("the GGUF file was read again")

    monkeypatch.setattr(reg_mod, "gguf_location", no_gguf)
    again = Registry().load(copy)
    assert again.model is not smol.model and again.device.type in ("cpu", "cuda")


def test_cpu_uses_fp32_and_remote_code_stays_off():
    import torch

    assert reg_mod.pick_dtype(torch.device("cpu"), "float32") == torch.float32
    assert Config().models.trust_remote_code is False


def test_unload_frees_the_entry_and_stops_its_service(smol):
    reg = Registry()
    loaded = reg.load("smollm2-135m-instruct")
    service = loaded.service
    assert reg.unload("smollm2-135m-instruct") and reg.resident() == []
    from playground.errors import PlaygroundError
    from playground.serving.service import GenerationRequest, Prompt
    from playground.serving.settings import GenerationSettings
    with pytest.raises(PlaygroundError, match="unloaded"):
        service.submit(GenerationRequest.single(GenerationSettings(), Prompt.raw("hi")))


def test_cache_dir_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CACHE_DIR", str(tmp_path))
    assert Registry().config.cache_dir == tmp_path
    cfg = Config(models=ModelsConfig(cache_dir="~/elsewhere"))
    monkeypatch.delenv("PLAYGROUND_CACHE_DIR")
    assert cfg.cache_dir.name == "elsewhere"


def test_catalog_has_the_offline_pair_for_base_vs_chat():
    assert CATALOG["smollm2-135m-instruct"].chat is True
    assert CATALOG["gemma-3-270m"].chat is False


def test_participants_never_reach_server_folders_and_learn_nothing_about_them(tmp_path):
    reg = Registry()
    existing, missing = str(tmp_path), str(tmp_path / "no-such-folder")
    messages = []
    for name in (existing, missing, "/root/.ssh", "/etc", "./tests", "~"):
        with pytest.raises(UnknownModelError) as info:
            reg.load(name)
        messages.append(re.sub(r"^unknown model '[^']*'", "", str(info.value)))
    assert len(set(messages)) == 1 and "for the instructor" in messages[0]
    assert reg.loads == 0 and reg.resident() == []
    # the instructor (Admin page, CLI) may load folders
    assert reg.resolve(existing, instructor=True).source == "local"


def test_a_hub_id_spelled_like_a_folder_of_the_app_is_not_read(tmp_path, monkeypatch):
    """The folder is never read (its config.json would fail loudly), and the answer is the
    one an id that names nothing gets: no way to learn which server paths exist."""
    (tmp_path / "org" / "model").mkdir(parents=True)
    (tmp_path / "org" / "model" / "config.json").write_text("not JSON")
    (tmp_path / "org" / "file").write_text("a file")
    monkeypatch.chdir(tmp_path)  # from_pretrained("org/model") would read this folder
    reg = Registry()
    answers = []
    for name in ("org/model", "org/file", "org/nothing"):
        with pytest.raises(PlaygroundError) as info:
            reg.load(name)
        answers.append((type(info.value).__name__, str(info.value).replace(name, "<id>")))
    assert answers[0] == answers[1] == answers[2], answers
    assert "JSON" not in answers[0][1] and "tokenizer" not in answers[0][1]


def test_one_model_one_name_whatever_the_spelling(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    names = {resolve(s).name for s in (str(folder), f"{folder}/", f"{tmp_path}/./model",
                                         f"{tmp_path}/x/../model")}
    assert names == {str(folder.resolve())}
    assert resolve("SmolLM2-135M-Instruct").name == "smollm2-135m-instruct"
    assert resolve("Qwen/Qwen3-0.6B/").name == "Qwen/Qwen3-0.6B"


@pytest.mark.parametrize("name", ["a" * 300, "org/" + "m" * 300, "/" + "x" * 300])
def test_a_very_long_name_is_a_clear_error_not_a_file_name_crash(name):
    for allow_paths in (True, False):
        with pytest.raises(UnknownModelError) as info:
            resolve(name, allow_paths=allow_paths)
        assert "Errno" not in str(info.value) and len(str(info.value)) < 400


def test_a_folder_without_a_model_says_so_in_one_complete_sentence(tmp_path):
    from playground.errors import ModelLoadError

    with pytest.raises(ModelLoadError) as info:
        Registry().load(str(tmp_path), instructor=True)
    assert str(info.value).endswith("give a folder written by save_pretrained")


def test_a_resident_hub_model_is_found_whatever_the_case(smol):
    from dataclasses import replace

    reg = Registry()
    hub = replace(smol, spec=ModelSpec("Org/Some-Model", "hf", "Org/Some-Model", True))
    reg._loaded["Org/Some-Model"] = hub  # as if loaded from the Hub under this spelling
    assert reg.load("org/some-model/") is hub and reg.loads == 0
