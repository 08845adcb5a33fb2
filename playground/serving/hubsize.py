"""How big a Hugging Face model is, from the Hub's metadata, before anything is downloaded.

A participant typing ``org/huge-model`` must not start a 140 GB download on the room's server:
``Registry.load`` asks here first and refuses, with the numbers, a model whose weights would not
fit the memory budget or whose download would not fit the disk. One metadata request
(``HfApi.model_info(files_metadata=True)``); when the Hub cannot be asked (offline, gated
without a token, a network error) the answer is None and the load goes on to report that in its
own words.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from playground.serving.residency import MemoryBudgetError

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
_PARAM_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
                "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}


@dataclass(frozen=True)
class HubSize:
    """What loading a Hub model costs: bytes to download (weights not yet cached) and the
    parameter count (None when the Hub does not say), from which memory is estimated."""

    repo_id: str
    weight_bytes: int      # all weight files of the format that will be loaded
    missing_bytes: int     # of those, not in the local cache yet: what would be downloaded
    parameters: int | None

    def memory_bytes(self, bytes_per_param: int) -> int:
        """Memory the weights take once loaded at ``bytes_per_param`` (4 = fp32, 2 = bf16)."""
        if self.parameters:
            return self.parameters * bytes_per_param
        return self.weight_bytes  # no parameter count: the files' size is the best guess


def _weight_files(siblings) -> list:
    """The files from_pretrained would read: safetensors if the repo has them, else .bin."""
    files = [s for s in siblings or [] if s.rfilename.endswith(WEIGHT_SUFFIXES)
             and "/" not in s.rfilename]  # sub-folders hold other formats (onnx/, original/)
    safetensors = [s for s in files if s.rfilename.endswith(".safetensors")]
    return safetensors or files


def _is_cached(repo_id: str, filename: str, revision: str | None) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(repo_id, filename, revision=revision), str)
    except Exception:  # noqa: BLE001 - a cache we cannot read counts as not cached
        return False


def hub_size(repo_id: str, token: str | None = None) -> HubSize | None:
    """The Hub's size figures for ``repo_id``, or None when the Hub cannot say (offline,
    unreachable, gated, unknown: the load itself then explains)."""
    from huggingface_hub import HfApi
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return None
    try:
        info = HfApi().model_info(repo_id, files_metadata=True, token=token, timeout=10)
    except Exception:  # noqa: BLE001 - every failure is explained by the load that follows
        return None
    files = _weight_files(info.siblings)
    weight = sum(int(s.size or 0) for s in files)
    missing = sum(int(s.size or 0) for s in files
                  if not _is_cached(repo_id, s.rfilename, info.sha))
    params = None
    st = getattr(info, "safetensors", None)
    if st is not None and getattr(st, "parameters", None):
        params = int(sum(st.parameters.values()))
    return HubSize(repo_id, weight, missing, params)


def free_disk_bytes() -> int:
    """Free bytes where the Hugging Face cache keeps downloads (HF_HOME / HF_HUB_CACHE)."""
    from huggingface_hub import constants

    where = Path(constants.HF_HUB_CACHE)
    while not where.exists() and where != where.parent:
        where = where.parent
    return shutil.disk_usage(os.fspath(where)).free


def check_fits(name: str, size: HubSize, budget_bytes: int, bytes_per_param: int,
               free_disk: Callable[[], int], progress: Callable[[str], None]) -> int:
    """Memory ``name`` will take once loaded; raises MemoryBudgetError, with the numbers,
    when it could never fit the budget or its download would not fit the disk."""
    need = size.memory_bytes(bytes_per_param)

    def mb(n: int) -> str:
        return f"{n / 2**20:,.0f} MiB"

    if need > budget_bytes:
        raise MemoryBudgetError(
            f"{name} needs about {mb(need)} of model memory once loaded and this server's "
            f"budget for all models is {mb(budget_bytes)}: pick a smaller model (nothing was "
            f"downloaded)")
    if size.missing_bytes:
        free = free_disk()
        if size.missing_bytes > free * 0.9:  # leave room for the cache's own bookkeeping
            raise MemoryBudgetError(
                f"{name} would download {mb(size.missing_bytes)} and the server's disk has "
                f"{mb(free)} free: pick a smaller model or ask the instructor to free space in "
                f"the Hugging Face cache (nothing was downloaded)")
        progress(f"Downloading {name}: {mb(size.missing_bytes)} of weights…")
    return need
