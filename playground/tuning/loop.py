"""The training loop: LoRA on a private copy of a resident model's weights, top to bottom.

Settings carry the names of transformers' ``TrainingArguments`` (the notes' names), LoRA's
those of peft's ``LoraConfig``. The loop reads like nanoGPT's: fetch a batch, forward, loss on
the labelled positions only, backward, (every ``gradient_accumulation_steps``) clip, step,
schedule; log; evaluate after every epoch. Only the positions whose label counts go through
the LM head (gemma's head over 262,144 tokens would otherwise dominate a step).

The model the generation service serves is never touched: ``train`` loads its own float32
copy from the same converted folder. A run is reproducible: the LoRA initialisation, dropout
and the data order come from ``seed``.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch

from playground.errors import SettingsError
from playground.tuning.data import Record, split
from playground.tuning.format import IGNORE, LOSS_ON, Example, prompt_ids, render_example
from playground.tuning.schedule import SCHEDULERS, StepPlan, lr_at

ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
Events = Callable[[dict], None]


@dataclass(frozen=True)
class TrainSettings:
    """Every choice that decides a run. Ranges are checked by ``problems``."""

    learning_rate: float = 2e-4            # (0, 1]
    num_train_epochs: int = 3              # 1..20
    per_device_train_batch_size: int = 4   # 1..32
    gradient_accumulation_steps: int = 1   # 1..16
    warmup_ratio: float = 0.0              # [0, 0.5]
    lr_scheduler_type: str = "linear"      # linear, cosine, constant, constant_with_warmup
    max_grad_norm: float = 1.0             # 0 = no clipping
    logging_steps: int = 1                 # a loss point every this many steps
    seed: int = 0
    lora_r: int = 16                       # 1..128
    lora_alpha: int = 32
    lora_dropout: float = 0.05             # [0, 0.5]
    target_modules: tuple[str, ...] = ALL_LINEAR
    max_length: int = 128                  # tokens of one record (longer ones are cut)
    loss_on: str = "response"              # "response" or "all"
    validation_fraction: float = 0.1       # (0, 0.5]

    def problems(self) -> list[str]:
        p = []
        if not 0 < self.learning_rate <= 1:
            p.append(f"learning_rate must be in (0, 1], got {self.learning_rate:g}")
        for name, value, lo, hi in [("num_train_epochs", self.num_train_epochs, 1, 20),
                                    ("per_device_train_batch_size",
                                     self.per_device_train_batch_size, 1, 32),
                                    ("gradient_accumulation_steps",
                                     self.gradient_accumulation_steps, 1, 16),
                                    ("logging_steps", self.logging_steps, 1, 1000),
                                    ("lora_r", self.lora_r, 1, 128),
                                    ("lora_alpha", self.lora_alpha, 1, 1024),
                                    ("max_length", self.max_length, 8, 1024)]:
            if not lo <= value <= hi:
                p.append(f"{name} must be in {lo}..{hi}, got {value}")
        if not 0 <= self.warmup_ratio <= 0.5:
            p.append(f"warmup_ratio must be in [0, 0.5], got {self.warmup_ratio:g}")
        if not 0 <= self.lora_dropout <= 0.5:
            p.append(f"lora_dropout must be in [0, 0.5], got {self.lora_dropout:g}")
        if not 0 <= self.max_grad_norm <= 100:
            p.append(f"max_grad_norm must be in [0, 100], got {self.max_grad_norm:g}")
        if not 0 < self.validation_fraction <= 0.5:
            p.append(f"validation_fraction must be in (0, 0.5], got {self.validation_fraction:g}")
        if self.lr_scheduler_type not in SCHEDULERS:
            p.append(f"lr_scheduler_type must be one of {', '.join(SCHEDULERS)}")
        if self.loss_on not in LOSS_ON:
            p.append(f"loss_on must be one of {', '.join(LOSS_ON)}")
        bad = [m for m in self.target_modules if m not in ALL_LINEAR]
        if bad or not self.target_modules:
            p.append(f"target_modules must be some of {', '.join(ALL_LINEAR)}")
        return p

    def check(self) -> None:
        problems = self.problems()
        if problems:
            raise SettingsError(problems)


@dataclass(frozen=True)
class TrainJob:
    model: str                      # catalog name of the base
    records: tuple[Record, ...]
    settings: TrainSettings = TrainSettings()
    prompts: tuple[str, ...] = ()   # held-out prompts: greedy replies before and after
    eval_set: str = ""              # a labelled built-in set: accuracy and F1 before/after
    max_new_tokens: int = 40
    label: str = "my-adapter"

    def key_inputs(self) -> dict:
        """Everything that decides the result (two identical jobs share one run)."""
        return {"model": self.model, "records": [asdict(r) for r in self.records],
                "settings": asdict(self.settings), "prompts": list(self.prompts),
                "eval_set": self.eval_set, "max_new_tokens": self.max_new_tokens}


@dataclass
class TrainResult:
    model: str
    train_loss: list[dict] = field(default_factory=list)       # {step, loss, lr}
    validation_loss: list[dict] = field(default_factory=list)  # {step, loss} (step 0: before)
    seconds: float = 0.0
    train_seconds: float = 0.0
    adapter: str = ""                # folder PeftModel.from_pretrained loads
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    metrics_before: dict = field(default_factory=dict)
    metrics_after: dict = field(default_factory=dict)
    trainable: int = 0
    total_params: int = 0
    steps: int = 0
    updates: int = 0
    stopped: bool = False
    records_train: int = 0
    records_validation: int = 0
    diverged: bool = False

    @property
    def perplexity_before(self) -> float:
        return _ppl(self.validation_loss[0]["loss"]) if self.validation_loss else float("nan")

    @property
    def perplexity_after(self) -> float:
        return _ppl(self.validation_loss[-1]["loss"]) if self.validation_loss else float("nan")


def _ppl(loss: float) -> float:
    return math.exp(min(loss, 50.0))


def lora_config(s: TrainSettings):
    from peft import LoraConfig

    return LoraConfig(r=s.lora_r, lora_alpha=s.lora_alpha, lora_dropout=s.lora_dropout,
                      target_modules=list(s.target_modules), task_type="CAUSAL_LM")


def load_private_copy(registry, model_name: str):
    """(tokenizer, float32 model) loaded afresh from the model's source: never the copy the
    generation service runs."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec = registry.resolve(model_name)
    if spec.source not in ("embedded", "gguf-package", "local", "hf"):
        raise SettingsError([f"{spec.name} cannot be fine-tuned here (pick a model whose "
                             f"weights are on this server)"])
    try:
        where, kwargs = registry.source(spec)
        tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32, **kwargs)
    except Exception as err:  # the registry's message: not cached and no Hub, gated, ...
        from playground.serving.registry import load_error
        raise load_error(spec, err, torch.device("cpu")) from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return spec, tokenizer, model


def collate(examples: list[Example], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded ids, mask and labels (padding never counts in the loss)."""
    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    for i, e in enumerate(examples):
        n = len(e.input_ids)
        ids[i, :n] = torch.tensor(e.input_ids)
        mask[i, :n] = 1
        labels[i, :n] = torch.tensor(e.labels)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def causal_lm(model):
    """The ``...ForCausalLM`` inside a ``PeftModel`` (or the model itself)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def labelled_loss(model, batch: dict[str, torch.Tensor], reduction: str = "mean"
                  ) -> torch.Tensor:
    """Next-token cross-entropy on the positions whose label counts, with the LM head applied
    to those positions only."""
    lm = causal_lm(model)
    hidden = lm.model(input_ids=batch["input_ids"],
                      attention_mask=batch["attention_mask"]).last_hidden_state
    target = batch["labels"][:, 1:]
    keep = target != IGNORE
    logits = lm.lm_head(hidden[:, :-1][keep])
    cap = getattr(lm.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return torch.nn.functional.cross_entropy(logits.float(), target[keep], reduction=reduction)


@torch.no_grad()
def validation_loss(model, examples: list[Example], pad_id: int, batch_size: int = 8) -> float:
    """Mean loss per counted token over ``examples``."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(examples), batch_size):
        batch = collate(examples[i:i + batch_size], pad_id)
        total += float(labelled_loss(model, batch, reduction="sum"))
        count += int((batch["labels"][:, 1:] != IGNORE).sum())
    return total / max(1, count)


@torch.no_grad()
def greedy_replies(model, tokenizer, prompts: list[str], max_new_tokens: int,
                   system: str = "") -> list[str]:
    """Each held-out prompt alone, in the training format, greedy (no padding involved)."""
    model.eval()
    out = []
    for p in prompts:
        ids = torch.tensor([prompt_ids(tokenizer, p, system)])
        gen = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                             max_new_tokens=max_new_tokens, do_sample=False,
                             pad_token_id=tokenizer.pad_token_id)
        out.append(tokenizer.decode(gen[0, ids.shape[1]:], skip_special_tokens=True).strip())
    return out


def train(job: TrainJob, registry, out_dir: str | Path | None = None,
          events: Events | None = None, should_stop: Callable[[], bool] | None = None,
          threads: int = 0) -> TrainResult:
    """Run ``job``; save the adapter to ``out_dir`` (PEFT format). ``events`` receives
    ``{"kind": "phase"|"log"|"val", ...}`` dicts as the run goes; ``should_stop`` is polled
    every step: a stopped run still evaluates and saves what it learned."""
    from peft import get_peft_model

    from playground.tuning.metrics import evaluate_labelled

    job.settings.check()
    s = job.settings
    emit = events or (lambda _e: None)
    stop = should_stop or (lambda: False)
    if threads:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    emit({"kind": "phase", "phase": "load"})
    spec, tokenizer, base = load_private_copy(registry, job.model)
    result = TrainResult(model=spec.name, prompts=list(job.prompts))
    train_records, val_records = split(list(job.records), s.validation_fraction, s.seed)
    result.records_train, result.records_validation = len(train_records), len(val_records)
    train_ex = [render_example(tokenizer, r, s.loss_on, s.max_length) for r in train_records]
    val_ex = [render_example(tokenizer, r, "response", s.max_length) for r in val_records]
    pad = tokenizer.pad_token_id
    system = job.records[0].system if job.records else ""

    def look(model) -> tuple[list[str], dict]:
        """The held-out replies and the labelled set's metrics (before, then after)."""
        replies = greedy_replies(model, tokenizer, list(job.prompts), job.max_new_tokens,
                                 system) if job.prompts else []
        return replies, evaluate_labelled(model, tokenizer, job.eval_set) if job.eval_set \
            else {}

    def validate(step: int) -> None:
        val = validation_loss(model, val_ex, pad)
        result.validation_loss.append({"step": step, "loss": val})
        emit({"kind": "val", "step": step, "loss": val})

    emit({"kind": "phase", "phase": "before"})
    result.before, result.metrics_before = look(base)
    torch.manual_seed(s.seed)  # LoRA's A matrices are drawn from the global generator
    model = get_peft_model(base, lora_config(s))
    result.trainable, result.total_params = model.get_nb_trainable_parameters()
    validate(0)

    plan = StepPlan(len(train_ex), s.per_device_train_batch_size,
                    s.gradient_accumulation_steps, s.num_train_epochs)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=lr_at(0, plan.updates, s.learning_rate,
                                           s.lr_scheduler_type, s.warmup_ratio),
                                  weight_decay=0.0)
    order = torch.Generator().manual_seed(s.seed)
    step = update = 0
    train_start = time.perf_counter()
    emit({"kind": "phase", "phase": "train", "steps": plan.steps, "updates": plan.updates})
    for epoch in range(s.num_train_epochs):
        model.train()
        perm = torch.randperm(len(train_ex), generator=order).tolist()
        batches = [perm[i:i + s.per_device_train_batch_size]
                   for i in range(0, len(perm), s.per_device_train_batch_size)]
        for b, index in enumerate(batches):
            # fetch a batch, forward, loss on the answer only, backward
            batch = collate([train_ex[i] for i in index], pad)
            loss = labelled_loss(model, batch)
            (loss / s.gradient_accumulation_steps).backward()
            step += 1
            last_of_group = (b + 1) % s.gradient_accumulation_steps == 0 or b + 1 == len(batches)
            if last_of_group:  # clip, step, schedule
                if s.max_grad_norm:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), s.max_grad_norm)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                update += 1
                for group in optimizer.param_groups:
                    group["lr"] = lr_at(update, plan.updates, s.learning_rate,
                                        s.lr_scheduler_type, s.warmup_ratio)
            value = float(loss.detach())
            if not math.isfinite(value) or value > 1e4:
                result.diverged = True
            if step % s.logging_steps == 0 or result.diverged:  # log
                lr = optimizer.param_groups[0]["lr"]
                result.train_loss.append({"step": step, "loss": value, "lr": lr})
                elapsed = time.perf_counter() - train_start
                emit({"kind": "log", "step": step, "loss": value, "lr": lr, "epoch": epoch,
                      "elapsed": elapsed,
                      "eta": elapsed / step * (plan.steps - step)})
            if stop() or result.diverged:
                result.stopped = not result.diverged
                break
        else:  # evaluate after every epoch
            validate(step)
            continue
        break
    result.train_seconds = time.perf_counter() - train_start
    result.steps, result.updates = step, update
    if result.stopped or result.diverged:
        validate(step)

    emit({"kind": "phase", "phase": "after"})
    result.after, result.metrics_after = look(model)
    if out_dir is not None:
        save_adapter(model, out_dir, spec.name, job)
        result.adapter = str(out_dir)
    result.seconds = time.perf_counter() - start
    return result


def save_adapter(model, out_dir: str | Path, base: str, job: TrainJob) -> None:
    """PEFT's format (adapter_config.json + adapter_model.safetensors) plus which catalog
    model it belongs on."""
    from playground.serving.adapters import META

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    (out / META).write_text(json.dumps({"base": base, "label": job.label,
                                        "settings": asdict(job.settings)}, ensure_ascii=False),
                            encoding="utf-8")
