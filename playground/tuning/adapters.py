"""Adapters as models in the picker: the built-in Kansai adapter, and each participant's own.

Setup trains the built-in ``kansai`` adapter once (like the GGUF conversion: progress shown,
skipped once its folder exists); every server offers it as ``gemma-3-270m + kansai (LoRA)``.
A participant's finished run is offered to that participant's session only (at most
``[training] adapters_per_session``, the oldest dropped first) until the instructor shares it
with the room.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

from playground.tuning.data import KANSAI_SYSTEM, Record, heldout_prompts, load_builtin
from playground.tuning.loop import TrainJob, TrainResult, TrainSettings, train

KANSAI = "kansai"
BUILTIN_SETTINGS = {KANSAI: TrainSettings(num_train_epochs=1, learning_rate=3e-4,
                                          per_device_train_batch_size=4, seed=0,
                                          validation_fraction=0.05, max_length=96)}
BUILTIN_MODEL = {KANSAI: "gemma-3-270m"}
_LABEL = re.compile(r"[^0-9A-Za-z\u3040-\u30ff\u4e00-\u9fff_-]+")


def builtin_records(name: str) -> list[Record]:
    records = load_builtin(name)
    if name == KANSAI:
        records = [replace(r, system=KANSAI_SYSTEM) if i % 2 else r
                   for i, r in enumerate(records)]
    return records


def builtin_job(name: str) -> TrainJob:
    return TrainJob(BUILTIN_MODEL[name], tuple(builtin_records(name)), BUILTIN_SETTINGS[name],
                    prompts=tuple(heldout_prompts(name)[:6]), label=name)


def builtin_folder(config, name: str) -> Path:
    return config.cache_dir / "adapters" / f"builtin-{name}"


def ensure_builtin(registry, name: str = KANSAI, progress=print) -> Path:
    """Train the built-in adapter ``name`` once (setup calls this); later calls return at once."""
    folder = builtin_folder(registry.config, name)
    if (folder / "adapter_model.safetensors").exists():
        return folder
    job = replace(builtin_job(name), prompts=())  # setup needs the adapter, not the comparison
    progress(f"First use: training the built-in {name} adapter on {job.model} "
             f"({len(job.records)} records, {job.settings.num_train_epochs} epoch; once)…")

    def report(event: dict) -> None:
        if event["kind"] == "log" and event["step"] % 10 == 0:
            progress(f"  step {event['step']}: loss {event['loss']:.2f}, about "
                     f"{event['eta']:.0f} s left")

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)  # a run cut short earlier
    result = train(job, registry, tmp, events=report)
    os.replace(tmp, folder)  # complete or absent: a half-written adapter is never offered
    progress(f"{name} adapter ready in {result.seconds:.0f} s (validation loss "
             f"{result.validation_loss[0]['loss']:.2f} -> {result.validation_loss[-1]['loss']:.2f})")
    return folder


def clean_label(label: str) -> str:
    label = _LABEL.sub("-", (label or "").strip())[:24].strip("-")
    return label or "my-adapter"


def register_result(registry, result: TrainResult, label: str, owner: str) -> str:
    """Offer a finished run's adapter to the session ``owner``; returns its picker name."""
    key = Path(result.adapter).name[:6]
    spec = registry.register_adapter(result.adapter, f"{clean_label(label)}-{key}",
                                     result.model, owner=owner)
    mine = [n for n, s in registry.adapter_specs.items() if s.owner == owner]
    for old in mine[:-registry.config.training.adapters_per_session]:
        forget_adapter(registry, old)
    return spec.name


def share_with_room(registry, name: str) -> str:
    """The instructor makes a participant's adapter everyone's."""
    registry.share_adapter(name)
    return name


def forget_adapter(registry, name: str) -> None:
    registry.drop_adapter(name)
    if registry.get_loaded(name) is not None:
        registry.unload(name, reason=f"{name} was removed")


def adapter_zip(folder: str | Path) -> bytes:
    """The adapter folder (PEFT format) as a zip to download."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(Path(folder).iterdir()):
            if path.is_file() and path.suffix in (".json", ".safetensors", ".md"):
                z.write(path, path.name)
    return buf.getvalue()


def adapter_rows(registry) -> list[dict]:
    """Every adapter the server offers (Admin's table)."""
    rows = []
    for name, spec in sorted(registry.adapter_specs.items()):
        loaded = registry.get_loaded(name)
        weights = Path(spec.location) / "adapter_model.safetensors"
        rows.append({"name": name, "base": spec.base, "owner": spec.owner,
                     "resident": loaded is not None,
                     "size (MiB)": round(weights.stat().st_size / 2**20, 1)
                     if weights.exists() else 0.0})
    return rows
