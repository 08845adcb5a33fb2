"""Each engine profile sends each setting where that engine reads it (no server needed)."""

import json

import pytest

from playground.config import CatalogEntry
from playground.errors import PlaygroundError
from playground.serving.catalog import ModelSpec, spec_from_entry
from playground.serving.remote import request_params, unsupported_warnings
from playground.serving.settings import GenerationSettings

SPEC = ModelSpec("m", "openai", "model-id", True, base_url="http://x/v1")
SAMPLED = GenerationSettings(do_sample=True, temperature=0.8, top_p=0.9, top_k=20, min_p=0.05)


def test_vllm_and_llama_cpp_read_top_k_and_min_p_in_the_body():
    for name in ("vllm", "llama.cpp"):
        kw = request_params(SPEC, SAMPLED, 3, (), name)
        assert kw["extra_body"] == {"top_k": 20, "min_p": 0.05} and kw["seed"] == 3


def test_transformers_serve_samples_through_generation_config_json():
    kw = request_params(SPEC, SAMPLED, 3, (), "transformers")
    assert set(kw["extra_body"]) == {"generation_config"} and "stream_options" not in kw
    cfg = json.loads(kw["extra_body"]["generation_config"])
    assert cfg == {"do_sample": True, "temperature": 0.8, "top_p": 0.9, "top_k": 20,
                   "min_p": 0.05}
    greedy = request_params(SPEC, GenerationSettings(), 3, (), "transformers")
    assert json.loads(greedy["extra_body"]["generation_config"]) == {"do_sample": False}


def test_engines_without_top_k_get_none_of_it_and_the_page_says_so():
    for name in ("tgi", "ollama", "openai"):
        kw = request_params(SPEC, SAMPLED, 3, (), name)
        assert "extra_body" not in kw and kw["temperature"] == 0.8
        notes = unsupported_warnings(SPEC, [SAMPLED], name)
        assert any(n.startswith("top_k = 20 was not applied") for n in notes)


def test_catalog_entry_names_its_engine():
    entry = CatalogEntry(name="m", base_url="http://x/v1", engine="llama.cpp")
    assert spec_from_entry(entry).engine == "llama.cpp"
    with pytest.raises(PlaygroundError, match="engine may be"):
        CatalogEntry(name="m", base_url="http://x/v1", engine="gpt")
