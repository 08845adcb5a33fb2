"""The training loop against a plain peft + torch loop, side by side in one run.

Both loops take the same private copy of the weights, the same LoRA initialisation (seed), the
same batches and the same AdamW; the plain loop is what one writes first (``model(...,
labels=labels).loss``: logits for every position over the whole vocabulary), ours takes the
LM head only where a label counts. Each runs ``steps`` steps after one warm-up step, in
``rounds`` alternating rounds (the best round counts); the figure is their speed ratio (plain seconds / ours seconds: above 1 = ours is faster).

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

import os
import platform
import time

import torch

from playground.tuning.data import split
from playground.tuning.format import render_example
from playground.tuning.loop import TrainJob, collate, labelled_loss, load_private_copy, lora_config


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _time_loop(model, batches, loss_fn, lr: float) -> tuple[float, list[float]]:
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    losses = []
    model.train()
    start = None
    for i, batch in enumerate(batches):
        if i == 1:
            start = time.perf_counter()  # the first step warms the allocator and kernels
        loss = loss_fn(model, batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
    return time.perf_counter() - start, losses


def plain_loss(model, batch):
    return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                 labels=batch["labels"]).loss


def compare_loops(registry, job: TrainJob, steps: int = 8, progress=print,
                  rounds: int = 2) -> dict:
    from peft import get_peft_model

    s = job.settings
    spec, tokenizer, _ = load_private_copy(registry, job.model)
    train_records, _ = split(list(job.records), s.validation_fraction, s.seed)
    examples = [render_example(tokenizer, r, s.loss_on, s.max_length) for r in train_records]
    bs = s.per_device_train_batch_size
    batches = [collate(examples[(i * bs) % len(examples):(i * bs) % len(examples) + bs],
                       tokenizer.pad_token_id) for i in range(steps + 1)]
    out = {"model": spec.name, "cpu": cpu_name(), "cores": os.cpu_count(),
           "threads": torch.get_num_threads(), "steps": steps, "batch_size": bs,
           "lora_r": s.lora_r, "target_modules": list(s.target_modules)}
    models = {}
    for name in ("plain", "playground"):
        _, _, base = load_private_copy(registry, job.model)
        torch.manual_seed(s.seed)
        models[name] = get_peft_model(base, lora_config(s))
    losses = {"plain": plain_loss, "playground": labelled_loss}
    best: dict[str, float] = {}
    # alternate the two loops (a machine's load drifts); each keeps its best round
    for round_ in range(rounds):
        for name in (("plain", "playground") if round_ % 2 == 0 else ("playground", "plain")):
            progress(f"round {round_ + 1}: timing the {name} loop ({steps} steps)…")
            seconds, first = _time_loop(models[name], batches, losses[name], s.learning_rate)
            best[name] = min(best.get(name, float("inf")), seconds / steps)
            out.setdefault(f"{name}_first_loss", round(first[0], 4))
    for name in ("plain", "playground"):
        out[f"{name}_s_per_step"] = round(best[name], 3)
    out["speed_ratio"] = round(out["plain_s_per_step"] / out["playground_s_per_step"], 2)
    return out
