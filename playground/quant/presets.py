"""Load presets: the same model in 32, 16, 8 and 4 bits, and what this machine can run.

Each ``Preset`` is a recipe for ``AutoModelForCausalLM.from_pretrained``: a torch dtype
(fp32/fp16/bf16) or a bitsandbytes ``BitsAndBytesConfig`` (8-bit LLM.int8, 4-bit fp4/nf4, and
nf4 with double quantization and bf16 compute, the tutorial author's own setting). Any model
the registry can find works with any preset.

``detect_machine`` probes what runs here (CUDA or not, bf16 support, whether bitsandbytes
imports and its 8-bit and 4-bit layers actually run on this device), and ``why_not`` turns
that into a participant-facing reason, so a comparison reports "skipped: ..." per row instead
of failing. The comparison itself is in ``playground.quant.compare``.

Package ``playground.quant``: may import ``lab`` (metrics), ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import logging
from dataclasses import dataclass

import psutil
import torch

# bitsandbytes logs "MatMul8bitLt: inputs will be cast ..." on every 8-bit matmul (210 lines
# per token for SmolLM2) and a missing optional CPU kernel once; neither is actionable here.
logging.getLogger("bitsandbytes").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Preset:
    """How to load a model. ``bnb``: BitsAndBytesConfig keyword arguments, empty for dtype
    presets. ``bits``: nominal bits per weight of the big linear layers (32, 16, 8 or 4)."""

    name: str
    bits: int
    summary: str
    dtype: str | None = None                      # torch dtype name of the weights
    bnb: tuple[tuple[str, object], ...] = ()      # BitsAndBytesConfig(**dict(bnb))

    @property
    def quantized(self) -> bool:
        return bool(self.bnb)

    def recipe(self) -> str:
        """The from_pretrained argument that makes this preset, as Python source."""
        if not self.bnb:
            return f"dtype=torch.{self.dtype}"
        args = ", ".join(f"{k}={_py(v)}" for k, v in self.bnb)
        return f"quantization_config=BitsAndBytesConfig({args})"

    def load_kwargs(self, device: torch.device) -> dict:
        """Keyword arguments for ``from_pretrained`` on ``device`` (cuda or cpu)."""
        if not self.bnb:
            return {"dtype": getattr(torch, self.dtype)}
        from transformers import BitsAndBytesConfig

        kwargs = {k: getattr(torch, v) if k.endswith("_dtype") else v for k, v in self.bnb}
        # bitsandbytes places the quantized weights while loading; they cannot be moved later
        return {"quantization_config": BitsAndBytesConfig(**kwargs),
                "device_map": {"": device.type}}


def _py(value) -> str:
    return f"torch.{value}" if isinstance(value, str) and value.endswith("16") else repr(value)


PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("fp32", 32, "32-bit float: the reference, 4 bytes per weight", dtype="float32"),
    Preset("fp16", 16, "16-bit float (5-bit exponent): half the memory, smaller range",
           dtype="float16"),
    Preset("bf16", 16, "bfloat16 (8-bit exponent): half the memory, fp32's range, less "
                       "precision", dtype="bfloat16"),
    Preset("int8", 8, "bitsandbytes LLM.int8(): 8-bit weights, outliers kept in 16 bits",
           bnb=(("load_in_8bit", True),)),
    Preset("fp4", 4, "bitsandbytes 4-bit float", bnb=(("load_in_4bit", True),
                                                       ("bnb_4bit_quant_type", "fp4"))),
    Preset("nf4", 4, "bitsandbytes 4-bit NormalFloat (levels fitted to normal weights)",
           bnb=(("load_in_4bit", True), ("bnb_4bit_quant_type", "nf4"))),
    Preset("nf4-dq-bf16", 4, "nf4 + double quantization (the scales quantized too) + bf16 "
                             "compute: the tutorial author's setting",
           bnb=(("load_in_4bit", True), ("bnb_4bit_quant_type", "nf4"),
                ("bnb_4bit_use_double_quant", True), ("bnb_4bit_compute_dtype", "bfloat16"))),
]}
DEFAULT_PRESETS = ("fp32", "bf16", "int8", "nf4")
# the quick mode, for a class with half a minute: the reference and 4 bits, a few tokens
QUICK_PRESETS = ("fp32", "nf4")
QUICK_MAX_NEW_TOKENS = 8


@dataclass(frozen=True)
class Machine:
    """What this machine can run. A ``*_problem`` is None when that kind works."""

    device: str                         # "cuda" or "cpu"
    name: str                           # GPU or CPU name, for notes
    bf16: bool                          # bfloat16 kernels available on the device
    fp16: bool                          # float16 matmul works on the device
    bitsandbytes: str | None            # version; None when it cannot be imported
    int8_problem: str | None = None     # why 8-bit layers fail here
    four_bit_problem: str | None = None  # why 4-bit layers fail here


def _matmul_works(device: str, dtype: torch.dtype) -> bool:
    try:
        x = torch.ones(2, 2, dtype=dtype, device=device)
        return bool(torch.isfinite((x @ x).float()).all())
    except (RuntimeError, TypeError):  # e.g. "addmm not implemented for 'Half'" on old torch
        return False


def _probe_layer(make, device: str) -> str | None:
    try:
        layer = make().to(device)
        dtype = torch.float16 if device == "cuda" else torch.float32
        with torch.inference_mode():
            layer(torch.randn(2, 64, device=device, dtype=dtype))
        return None
    except Exception as err:  # what fails differs by platform and version
        return str(err).splitlines()[0] if str(err) else type(err).__name__


@functools.lru_cache(maxsize=None)
def detect_machine(device: str | None = None) -> Machine:
    """Probe (once per process and device) which presets can run; takes ~1 s."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda":
        name, bf16 = torch.cuda.get_device_name(0), torch.cuda.is_bf16_supported()
    else:
        import platform
        name, bf16 = platform.processor() or platform.machine(), _matmul_works("cpu",
                                                                             torch.bfloat16)
    try:
        import bitsandbytes as bnb
    except Exception as err:  # ImportError, or a broken native library
        problem = (f"bitsandbytes is not installed here (pip install bitsandbytes)"
                   if isinstance(err, ImportError) else f"bitsandbytes does not load: {err}")
        return Machine(device, name, bf16, _matmul_works(device, torch.float16), None,
                       problem, problem)
    int8 = _probe_layer(lambda: bnb.nn.Linear8bitLt(64, 64, has_fp16_weights=False), device)
    four = _probe_layer(lambda: bnb.nn.Linear4bit(64, 64, quant_type="nf4"), device)
    return Machine(device, name, bf16, _matmul_works(device, torch.float16), bnb.__version__,
                   int8 and f"bitsandbytes {bnb.__version__} cannot run 8-bit layers on "
                            f"this {device.upper()} ({int8})",
                   four and f"bitsandbytes {bnb.__version__} cannot run 4-bit layers on "
                            f"this {device.upper()} ({four})")


def why_not(preset: Preset, machine: Machine) -> str | None:
    """Why ``preset`` cannot run on ``machine`` (a sentence), or None if it can."""
    uses_bf16 = preset.dtype == "bfloat16" or ("bnb_4bit_compute_dtype", "bfloat16") in preset.bnb
    if preset.quantized and machine.bitsandbytes is None:
        return machine.int8_problem or "bitsandbytes is not installed here"
    if preset.quantized:
        problem = machine.int8_problem if preset.bits == 8 else machine.four_bit_problem
        if problem:
            gpu = "" if machine.device == "cuda" else \
                "; there is no CUDA GPU here, and older bitsandbytes versions need one"
            return problem + gpu
    if uses_bf16 and not machine.bf16:
        return f"this {machine.device.upper()} ({machine.name}) has no bfloat16 support"
    if preset.dtype == "float16" and not machine.fp16:
        return f"this version of torch cannot run float16 on the {machine.device.upper()}"
    return None


def caveat(preset: Preset, machine: Machine) -> str | None:
    """What to keep in mind when reading this preset's speed on ``machine``, if anything."""
    if machine.device != "cpu":
        return None
    if preset.quantized:
        return ("bitsandbytes is built for GPUs: on a CPU the memory saving carries over but "
                "the speed does not (8-bit matmuls run in plain PyTorch and are usually slower "
                "than fp32; 4-bit ones use a CPU kernel where the CPU has one)")
    if preset.bits == 16:
        return "most CPUs have no fast 16-bit matrix units: expect fp32 speed or slower"
    return None


def parse_presets(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"fp32,bf16,int8"`` (or a list) -> known preset names in the catalog's order."""
    from playground.errors import PlaygroundError

    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text)]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        raise PlaygroundError(f"unknown preset(s) {', '.join(unknown)}: choose from "
                              f"{', '.join(PRESETS)}")
    if not names:
        raise PlaygroundError(f"choose at least one preset ({', '.join(PRESETS)})")
    return tuple(n for n in PRESETS if n in names)


# -- memory --------------------------------------------------------------------------------

def process_rss_mb() -> float:
    """Resident memory of this whole process, in MiB (every session and model counted)."""
    return psutil.Process().memory_info().rss / 2**20


def release_memory() -> None:
    """Free what an unloaded model left: Python garbage, CUDA cache, glibc's free lists."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    try:  # glibc keeps freed heap pages mapped; malloc_trim hands them back to the OS
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        pass
