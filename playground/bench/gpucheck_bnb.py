"""The device check's bitsandbytes part: int8, nf4 and nf4-dq-bf16 copies of one shape.

The resident random model (bf16 on CUDA) is the reference. It is written once to a temporary
checkpoint folder, and each preset loads that folder with the Quantization page's own recipe
(``playground.quant.presets``: ``from_pretrained`` with a ``BitsAndBytesConfig``), gets a
generation service of its own, and serves the same concurrent sessions. Each row gives the
weights' size, the growth of CUDA ``memory_allocated`` (RSS on a CPU) and aggregate tok/s,
against the reference. Only one copy exists at a time; each is freed before the next.

Package ``playground.bench``: may import the feature packages and ``room``, ``serving``,
``config``, ``errors``; nothing but ``ui`` and ``cli`` imports it.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time

import torch

from playground.quant.presets import (PRESETS, detect_machine, process_rss_mb, release_memory,
                                      why_not)
from playground.bench.loadtest import session_request
from playground.serving import random_weights
from playground.serving.registry import LoadedModel
from playground.serving.service import GenerationRequest

BNB_PRESETS = ("int8", "nf4", "nf4-dq-bf16")


def _level_mb(device: torch.device) -> float:
    release_memory()
    if device.type == "cuda":
        return torch.cuda.memory_allocated(device) / 2**20
    return process_rss_mb()


def _serve(loaded, sessions: int, new_tokens: int) -> dict:
    """``sessions`` concurrent requests (different settings) through ``loaded``'s service."""
    requests = [session_request(i, new_tokens) for i in range(sessions)]
    service = loaded.service
    warm = GenerationRequest(requests[0].prompts, (requests[0].variants[0].replace(
        max_new_tokens=2),))
    service.submit(warm).result()  # the first forward passes allocate and pick kernels
    results: list = [None] * sessions

    def client(i):
        results[i] = service.submit(requests[i]).result()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(sessions)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    tokens = sum(r.new_tokens for r in results)
    return {"new_tokens": tokens, "wall_s": round(wall, 3),
            "tokens_per_s": round(tokens / wall, 2) if wall > 0 else None}


def check_bitsandbytes(registry, shape: str, sessions: int, new_tokens: int,
                       needs_cuda: bool = True, progress=lambda _m: None) -> dict:
    """Rows for the reference and each bitsandbytes preset, or ``{"skipped": reason}``.

    ``needs_cuda``: skip without a CUDA GPU (the device check); tests pass False to run the
    same path on a CPU, where bitsandbytes 0.50 runs 8-bit and 4-bit layers too (slowly).
    """
    device = registry.device
    if needs_cuda and device.type != "cuda":
        return {"skipped": "there is no CUDA GPU here: bitsandbytes is measured on CUDA only"}
    machine = detect_machine(device.type)
    if machine.bitsandbytes is None:
        return {"skipped": machine.int8_problem or "bitsandbytes does not import here"}
    name = random_weights.PREFIX + shape
    reference = registry.load(name, progress=progress, instructor=True)
    dtype = str(reference.dtype).removeprefix("torch.")
    rows = [{"preset": dtype, "status": "ok", "weights_mb": round(
        reference.footprint_bytes / 2**20, 1)} | _serve(reference, sessions, new_tokens)]
    folder = tempfile.mkdtemp(prefix="gpucheck-")
    try:
        progress(f"{name}: writing a checkpoint for the bitsandbytes loads…")
        random_weights.save(reference.model, reference.tokenizer, folder)
        for preset_name in BNB_PRESETS:
            rows.append(_preset_row(PRESETS[preset_name], machine, folder, reference,
                                    sessions, new_tokens, progress))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = rows[0]["tokens_per_s"] or None
    for row in rows:
        if row.get("tokens_per_s") and base:
            row["speed_vs_reference"] = round(row["tokens_per_s"] / base, 3)
    return {"model": name, "device": device.type, "bitsandbytes": machine.bitsandbytes,
            "sessions": sessions, "new_tokens": new_tokens, "reference": dtype, "rows": rows}


def _preset_row(preset, machine, folder, reference, sessions, new_tokens, progress) -> dict:
    from transformers import AutoModelForCausalLM

    row = {"preset": preset.name, "recipe": preset.recipe()}
    reason = why_not(preset, machine)
    if reason:
        return row | {"status": "skipped", "reason": reason}
    device = reference.device
    copy = model = None
    try:
        base = _level_mb(device)
        progress(f"{reference.name}: loading {preset.name}…")
        start = time.perf_counter()
        model = AutoModelForCausalLM.from_pretrained(folder, **preset.load_kwargs(device)).eval()
        row["load_s"] = round(time.perf_counter() - start, 2)
        row["weights_mb"] = round(model.get_memory_footprint() / 2**20, 1)
        row["memory_growth_mb"] = round(_level_mb(device) - base, 1)
        copy = LoadedModel(spec=reference.spec, model=model, tokenizer=reference.tokenizer,
                           device=device, dtype=model.dtype, load_seconds=row["load_s"],
                           footprint_bytes=int(model.get_memory_footprint()),
                           service_config=reference.service_config,
                           limits=reference.limits, tokenizer_lock=reference.tokenizer_lock)
        progress(f"{reference.name}: {preset.name}, {sessions} sessions at once…")
        return row | {"status": "ok"} | _serve(copy, sessions, new_tokens)
    except Exception as err:  # one preset failing must not end the check
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        return row | {"status": "failed", "reason": first}
    finally:
        if copy is not None and copy._service is not None:
            copy.service.close(wait_s=30)
        copy = model = None  # noqa: F841 (the last references to this copy)
        release_memory()
