"""The quantization comparison: one model, one prompt, several load presets, one table.

For each selected preset, in turn: load a temporary copy (only one extra copy is ever
resident; the previous one is freed first), measure its memory and load time, score a fixed
reference text (perplexity), generate the prompt greedily through a generation service of its
own (time to first token, tok/s), then free it. At the end every output is compared with the
highest-precision preset that ran (fp32 when selected): same text?, chrF and BLEU, and the
first token where the greedy outputs part ways.

Only one comparison runs at a time per server (``comparison_queue()``): it holds the device
for a while, and two at once would double the extra memory. The page and the CLI run it in a
child process (``playground.quant.worker``) so that the server's memory is back where it was
afterwards; ``run_comparison`` is the comparison itself, in whatever process calls it.

Package ``playground.quant``: may import ``lab`` (metrics), ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import psutil
import torch

from playground.lab import metrics
from playground.serving.chat import build_messages
from playground.errors import PlaygroundError, RequestCancelled
from playground.quant.presets import (PRESETS, Machine, caveat, detect_machine, parse_presets,
                                      process_rss_mb, release_memory, why_not)
from playground.quant.tutorial import kept_share
from playground.serving.registry import LoadedModel, Registry, load_error
from playground.serving.residency import ModelNotAllowedError, estimate_bytes
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings, Range

DEFAULT_PROMPT = "Tell me a story about a dragon."
MAX_NEW_TOKENS = Range(1, 128, step=1, help="Greedy tokens generated per preset (1 to 128). "
                                            "More tokens show later divergences but take longer.")
# A fixed text, the same for every preset: its perplexity shows how much each preset changes
# the model's predictions, independently of the prompt.
REFERENCE_TEXT = (
    "The dragon slept on a hill above the village. Every morning the baker left a loaf of "
    "warm bread at the foot of the hill, and every evening the loaf was gone. Nobody had ever "
    "seen the dragon eat, but the children said it was the kindest dragon in the kingdom.")

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ComparisonRequest:
    """What to compare. ``max_new_tokens`` in [1, 128]; ``chat`` None = the model's template
    if it has one. ``token`` (gated Hub models) is used for these loads only, never shown."""

    model: str
    presets: tuple[str, ...]
    prompt: str = DEFAULT_PROMPT
    max_new_tokens: int = 32
    chat: bool | None = None
    token: str | None = field(default=None, repr=False)
    instructor: bool = False  # the CLI: folders on the server too, no allow-list

    def __post_init__(self) -> None:
        object.__setattr__(self, "presets", parse_presets(self.presets))
        if not self.prompt.strip():
            raise PlaygroundError("type a prompt to compare the presets on")
        if not MAX_NEW_TOKENS.contains(self.max_new_tokens):
            raise PlaygroundError(f"max_new_tokens must be in {MAX_NEW_TOKENS.describe()}, "
                                  f"got {self.max_new_tokens}")


@dataclass
class PresetRow:
    """One preset's measurements. Memory in MiB, times in s; scores 0-100 vs the reference."""

    preset: str
    recipe: str
    status: str = "ok"                   # ok | skipped | failed
    reason: str | None = None            # why skipped or failed
    caveat: str | None = None
    footprint_mb: float | None = None    # model.get_memory_footprint(): weights + buffers
    rss_growth_mb: float | None = None   # CPU: process RSS after load+generate minus before
    gpu_allocated_mb: float | None = None  # CUDA: torch.cuda.memory_allocated growth
    gpu_peak_mb: float | None = None     # CUDA: max_memory_allocated growth (load+generate)
    load_s: float | None = None
    ttft_s: float | None = None          # submit -> first token, prefill included
    tokens_per_s: float | None = None
    new_tokens: int | None = None
    perplexity: float | None = None      # of REFERENCE_TEXT, in [1, inf)
    text: str = ""
    token_ids: list[int] = field(default_factory=list)
    identical: bool | None = None        # same greedy text as the reference
    chrf: float | None = None
    bleu: float | None = None
    first_divergence: int | None = None  # token index; None when identical
    divergence_char: int | None = None   # where the divergent token starts in ``text``
    kept_share: float | None = None      # parameters bitsandbytes would leave unquantized


@dataclass
class Comparison:
    model: str
    device: str
    prompt: str                          # exactly what the model received
    reference: str | None                # the preset the others are compared with
    rows: list[PresetRow]
    memory_before_mb: float              # process RSS (CPU) or CUDA allocated before
    memory_after_mb: float               # ... and after the comparison, copies freed
    seconds: float
    reference_text: str = REFERENCE_TEXT

    def ok_rows(self) -> list[PresetRow]:
        return [r for r in self.rows if r.status == "ok"]

    def table(self) -> list[dict]:
        """One dict per preset with unit-labelled keys (for a pandas DataFrame)."""
        gpu = self.device == "cuda"
        out = []
        for r in self.rows:
            row = {"preset": r.preset, "status": r.status if r.status == "ok" else
                   f"{r.status}: {r.reason}", "weights (MiB)": r.footprint_mb}
            if gpu:
                row |= {"GPU allocated (MiB)": r.gpu_allocated_mb, "GPU peak (MiB)": r.gpu_peak_mb}
            else:
                row["RSS growth (MiB)"] = r.rss_growth_mb
            row |= {"load (s)": r.load_s, "first token (s)": r.ttft_s,
                    "speed (tok/s)": r.tokens_per_s, f"chrF vs {self.reference}": r.chrf,
                    f"BLEU vs {self.reference}": r.bleu, "same text": r.identical,
                    "diverges at token": None if r.status != "ok" else "never" if
                    r.first_divergence is None else str(r.first_divergence),
                    "perplexity": r.perplexity}
            out.append(row)
        return out

    def to_dict(self) -> dict:
        data = asdict(self)
        for row in data["rows"]:
            row.pop("token_ids")
        return data


def _mb(n_bytes: float) -> float:
    return round(n_bytes / 2**20, 1)


def _memory_now(device: torch.device) -> float:
    return _mb(torch.cuda.memory_allocated(device)) if device.type == "cuda" else round(
        process_rss_mb(), 1)


def run_comparison(request: ComparisonRequest, registry: Registry,
                   progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                   machine: Machine | None = None) -> Comparison:
    """Load, measure, generate and free each preset in turn; see the module docstring.

    Raises a ``PlaygroundError`` if the model itself cannot be found; a preset that cannot run
    here, or fails to load, becomes a "skipped"/"failed" row instead.
    """
    from transformers import AutoTokenizer

    progress = progress or (lambda _f, _m: None)
    cancelled = cancelled or (lambda: False)
    device = registry.device
    machine = machine or detect_machine(device.type)
    spec = check_model(request, registry)
    start = time.perf_counter()
    progress(0.0, f"Preparing {spec.name}…")
    release_memory()
    before = _memory_now(device)  # the starting level, before the comparison loads anything
    try:
        where, kwargs = registry.source(spec, request.token, lambda m: progress(0.0, m))
        tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
    except Exception as err:
        raise load_error(spec, err, device) from None
    if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
        tokenizer.pad_token = tokenizer.eos_token
    lock = threading.Lock()  # one tokenizer for every temporary copy, used under this lock
    with lock:
        reference_ids = tokenizer(REFERENCE_TEXT)["input_ids"]
    rows: list[PresetRow] = []
    rendered = ""
    for i, name in enumerate(request.presets):
        preset = PRESETS[name]
        row = PresetRow(name, preset.recipe(), caveat=caveat(preset, machine))
        rows.append(row)
        reason = why_not(preset, machine) or _no_room(preset, where, device)
        if reason:
            row.status, row.reason = "skipped", reason
            continue
        if cancelled():
            raise RequestCancelled("the comparison was cancelled")
        step = lambda part, msg, i=i: progress((i + part) / len(request.presets), msg)  # noqa
        rendered = _run_preset(row, preset, request, registry, spec, where, kwargs, tokenizer,
                               lock, reference_ids, step, cancelled) or rendered
        if cancelled():
            raise RequestCancelled("the comparison was cancelled")
    reference = next((r for r in rows if r.status == "ok"), None)
    for row in rows:
        if row.status == "ok" and reference is not None:
            _agreement(row, reference, tokenizer, lock)
    tokenizer = None  # everything the comparison loaded is gone: measure the level it left
    release_memory()
    progress(1.0, "Done.")
    return Comparison(model=spec.name, device=device.type, prompt=rendered,
                      reference=reference.preset if reference else None, rows=rows,
                      memory_before_mb=before, memory_after_mb=_memory_now(device),
                      seconds=round(time.perf_counter() - start, 1))


def check_model(request: ComparisonRequest, registry: Registry):
    """The model's spec, or a participant-level error if it cannot be compared here."""
    spec = registry.resolve(request.model, instructor=request.instructor)
    if getattr(spec, "remote", False):
        raise PlaygroundError(f"{spec.name} runs on a remote engine: there are no weights on "
                              f"this server to load in other precisions")
    if not request.instructor and not registry.allowed(spec.name):
        raise ModelNotAllowedError(f"{spec.name} is not on this workshop's model list; pick "
                                   f"one from the list or ask the instructor")
    return spec


def _no_room(preset, where, device: torch.device) -> str | None:
    """Why a copy in ``preset`` would not fit in the free memory now, or None.

    On a CPU server running out of RAM means the kernel kills the whole app, not an error we
    could catch, so this is checked before loading. Unknown sizes (Hub ids) are not checked.
    """
    fp32 = estimate_bytes(where, torch.float32)
    if not fp32:
        return None
    need = fp32 * preset.bits / 32 * 1.2  # + the layers not quantized, the load's scratch
    free = (torch.cuda.mem_get_info(device)[0] if device.type == "cuda"
            else psutil.virtual_memory().available)
    if need <= free * 0.8:  # leave room for the sessions that are generating right now
        return None
    return (f"a {preset.name} copy needs about {need / 2**20:,.0f} MiB and only "
            f"{free / 2**20:,.0f} MiB of {device.type.upper()} memory is free now")


def _run_preset(row, preset, request, registry, spec, where, kwargs, tokenizer, lock,
                reference_ids, step, cancelled) -> str | None:
    """Fill ``row`` for one preset; the temporary copy is freed before returning."""
    from transformers import AutoModelForCausalLM

    device = registry.device
    release_memory()
    base = _memory_now(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    step(0.0, f"{preset.name}: loading ({preset.recipe()})…")
    loaded = model = handle = None
    try:
        t0 = time.perf_counter()
        try:
            # disable_mmap: read the file into memory instead of mapping it, so that a copy
            # that keeps a few original tensors (bitsandbytes leaves embeddings and norms
            # as they are) does not keep the whole mapped file resident and counted in RSS.
            model = AutoModelForCausalLM.from_pretrained(where, **kwargs, disable_mmap=True,
                                                         **preset.load_kwargs(device))
            if not preset.quantized:
                model.to(device)
            model.eval()
        except Exception as err:
            row.status, row.reason = "failed", str(load_error(spec, err, device))
            return None
        row.load_s = round(time.perf_counter() - t0, 2)
        row.footprint_mb = _mb(model.get_memory_footprint())
        if not preset.quantized:  # counted on whole weights (4-bit layers pack two per byte)
            row.kept_share = kept_share(model)
        step(0.5, f"{preset.name}: scoring the reference text…")
        # A measurement, not generation: one forward pass over a fixed text. It runs here
        # because this copy is private to the comparison and its service is not started
        # yet, so no other thread can be using the model.
        row.perplexity = round(metrics.perplexity(model, reference_ids), 3)
        loaded = LoadedModel(spec=spec, model=model, tokenizer=tokenizer, device=device,
                             dtype=model.dtype, load_seconds=row.load_s,
                             footprint_bytes=int(model.get_memory_footprint()),
                             service_config=registry.config.service, tokenizer_lock=lock)
        chat = loaded.is_chat if request.chat is None else request.chat
        prompt = (Prompt.chat(build_messages(request.prompt, None)) if chat
                  else Prompt.raw(request.prompt))
        settings = GenerationSettings(max_new_tokens=request.max_new_tokens)
        handle = loaded.service.submit(GenerationRequest.single(settings, prompt))
        while not handle.done:
            if cancelled():
                handle.cancel()
            n = handle.samples[0].n_tokens
            step(0.6 + 0.4 * n / request.max_new_tokens,
                 f"{preset.name}: generating ({n} / {request.max_new_tokens} tokens)…")
            time.sleep(0.2)
        result = handle.result()
        sample = result.samples[0]
        row.text, row.token_ids, row.new_tokens = sample.text, list(sample.token_ids), \
            sample.n_tokens
        row.ttft_s = None if result.ttft_s is None else round(result.ttft_s, 3)
        row.tokens_per_s = round(result.tokens_per_s, 2)
        release_memory()  # count what the copy keeps, not what its loading left in free lists
        if device.type == "cuda":
            row.gpu_allocated_mb = round(_memory_now(device) - base, 1)
            row.gpu_peak_mb = round(_mb(torch.cuda.max_memory_allocated(device)) - base, 1)
        else:
            row.rss_growth_mb = round(_memory_now(device) - base, 1)
        return result.rendered[0].text
    except Exception as err:  # one preset failing must not end the whole comparison
        row.status = "failed"
        if isinstance(err, PlaygroundError):  # e.g. the prompt is longer than the context
            row.reason = str(err)
        elif isinstance(err, (torch.OutOfMemoryError, MemoryError)):
            row.reason = str(load_error(spec, err, device))
        else:
            first_line = str(err).splitlines()[0] if str(err) else type(err).__name__
            row.reason = f"{preset.name} failed while running: {first_line}"
        return None
    finally:
        if loaded is not None and loaded._service is not None:
            loaded.service.close(wait_s=30)  # its owner thread exits and lets go of the model
        loaded = model = handle = None  # noqa: F841 (the last references to this copy)
        release_memory()


def _agreement(row: PresetRow, reference: PresetRow, tokenizer, lock) -> None:
    row.identical = row.text == reference.text
    row.chrf = round(metrics.chrf_vs(row.text, reference.text), 2)
    row.bleu = round(metrics.bleu_vs(row.text, reference.text), 2)
    row.first_divergence = metrics.first_divergence(row.token_ids, reference.token_ids)
    if row.first_divergence is not None:
        with lock:
            same = tokenizer.decode(row.token_ids[:row.first_divergence],
                                    skip_special_tokens=True)
        row.divergence_char = len(same) if row.text.startswith(same) else len(
            _common_prefix(row.text, reference.text))


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
