"""``finetune``: the Fine-tuning page's run, headless (LoRA on an offline model).

    python -m playground finetune --model gemma-3-270m --data builtin:kansai --epochs 1 \
        --seed 0 --prompts prompts.txt --json

prints ``train_loss`` (a list of ``{step, loss}``), ``validation_loss`` (after training; the
whole curve in ``validation_curve``), ``seconds``, ``adapter`` (a folder
``peft.PeftModel.from_pretrained`` loads) and, with ``--prompts``, ``before``/``after``: the
greedy replies to each prompt in the training format. ``--eval`` adds accuracy and F1 on a
labelled set's test split. ``--bench`` instead times this loop against a plain peft + torch
loop on the same data, side by side.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from playground.cli import print_json, say
from playground.cli.common import in_range, model_name
from playground.errors import SettingsError
from playground.serving.registry import default_registry
from playground.textfiles import TextFileError, read_bytes, read_text
from playground.tuning.data import builtin, load_builtin, parse_upload
from playground.tuning.loop import ALL_LINEAR, TrainJob, TrainSettings, train
from playground.tuning.runs import adapters_dir, job_key
from playground.tuning.schedule import SCHEDULERS


def register(sub) -> None:
    p = sub.add_parser("finetune", help="LoRA fine-tuning on an offline model (the Fine-tuning "
                                        "page)")
    p.add_argument("--model", default=None, help="catalog name (default: the configured default)")
    p.add_argument("--data", required=True,
                   help="builtin:kansai | builtin:captain | builtin:sentiment | "
                        "builtin:sentiment-ja, or a CSV/JSONL file with prompt, response "
                        "(and optionally system)")
    p.add_argument("--epochs", type=in_range(1, 20), default=3, help="num_train_epochs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--prompts", help="a file of held-out prompts, one per line: greedy replies "
                                     "before and after")
    p.add_argument("--lr", type=in_range(1e-7, 1.0, float), default=2e-4, help="learning_rate")
    p.add_argument("--batch-size", type=in_range(1, 32), default=4,
                   help="per_device_train_batch_size")
    p.add_argument("--grad-accum", type=in_range(1, 16), default=1,
                   help="gradient_accumulation_steps")
    p.add_argument("--scheduler", choices=SCHEDULERS, default="linear",
                   help="lr_scheduler_type")
    p.add_argument("--warmup-ratio", type=in_range(0.0, 0.5, float), default=0.0)
    p.add_argument("--max-grad-norm", type=in_range(0.0, 100.0, float), default=1.0)
    p.add_argument("--lora-r", type=in_range(1, 128), default=16)
    p.add_argument("--lora-alpha", type=in_range(1, 1024), default=32)
    p.add_argument("--lora-dropout", type=in_range(0.0, 0.5, float), default=0.05)
    p.add_argument("--target-modules", default=",".join(ALL_LINEAR),
                   help="comma-separated, some of " + ", ".join(ALL_LINEAR))
    p.add_argument("--loss-on", choices=("response", "all"), default="response")
    p.add_argument("--max-length", type=in_range(8, 1024), default=128,
                   help="tokens of one record")
    p.add_argument("--max-records", type=in_range(2, 100_000), default=None,
                   help="use only the first N records")
    p.add_argument("--max-new-tokens", type=in_range(1, 256), default=40,
                   help="for the before/after replies")
    p.add_argument("--eval", action="store_true",
                   help="accuracy and F1 before and after (a labelled built-in set)")
    p.add_argument("--out", help="where to save the adapter (default: the cache's adapters/)")
    p.add_argument("--threads", type=in_range(0, 256), default=0, help="torch threads; 0 = all")
    p.add_argument("--bench", action="store_true",
                   help="time this loop against a plain peft + torch loop (side by side)")
    p.add_argument("--bench-steps", type=in_range(1, 200), default=8)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def _records(data: str, max_records: int | None):
    if data.startswith("builtin:"):
        b = builtin(data.removeprefix("builtin:"))
        records = load_builtin(b.name, split="train" if b.labelled else None)
        return records[:max_records] if max_records else records, b
    try:
        raw = read_bytes(Path(data), 1_000_000, what="training data")
    except TextFileError as err:
        raise SettingsError([str(err)]) from None
    records = parse_upload(raw, Path(data).name, max_records or 2000)
    return records[:max_records] if max_records else records, None


def run(args) -> int:
    registry = default_registry()
    records, b = _records(args.data, args.max_records)
    name = model_name(args.model)
    if args.eval and (b is None or not b.labelled):
        raise SettingsError(["--eval needs a labelled built-in set, e.g. --data "
                             "builtin:sentiment"])
    prompts: tuple[str, ...] = ()
    if args.prompts:
        try:
            text = read_text(Path(args.prompts), 200_000, what="prompts")
        except TextFileError as err:
            raise SettingsError([str(err)]) from None
        prompts = tuple(line.strip() for line in text.splitlines() if line.strip())[:32]
    settings = TrainSettings(
        learning_rate=args.lr, num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum, warmup_ratio=args.warmup_ratio,
        lr_scheduler_type=args.scheduler, max_grad_norm=args.max_grad_norm, seed=args.seed,
        lora_r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout,
        target_modules=tuple(m.strip() for m in args.target_modules.split(",") if m.strip()),
        loss_on=args.loss_on, max_length=args.max_length)
    job = TrainJob(name, tuple(records), settings, prompts,
                   eval_set=b.name if args.eval else "", max_new_tokens=args.max_new_tokens)
    settings.check()
    if args.bench:
        from playground.tuning.bench import compare_loops

        figures = compare_loops(registry, job, args.bench_steps, progress=say)
        if args.json:
            print_json(figures)
        else:
            for k, v in figures.items():
                print(f"{k}: {v}")
        return 0
    out = Path(args.out) if args.out else adapters_dir(registry.config) / f"cli-{job_key(job)}"
    say(f"training {name} on {len(records)} records ({settings.num_train_epochs} epochs)…")

    def report(event: dict) -> None:
        if event["kind"] == "log":
            say(f"step {event['step']}: loss {event['loss']:.4f} (about {event['eta']:.0f} s "
                f"left)")
        elif event["kind"] == "val":
            say(f"validation loss after step {event['step']}: {event['loss']:.4f}")

    result = train(job, registry, out, events=report, threads=args.threads)
    data = {"model": result.model,
            "train_loss": [{"step": p["step"], "loss": p["loss"]} for p in result.train_loss],
            "validation_loss": result.validation_loss[-1]["loss"],
            "validation_curve": result.validation_loss,
            "perplexity_before": result.perplexity_before,
            "perplexity_after": result.perplexity_after,
            "seconds": round(result.seconds, 2), "train_seconds": round(result.train_seconds, 2),
            "steps": result.steps, "updates": result.updates,
            "trainable_params": result.trainable, "all_params": result.total_params,
            "adapter": result.adapter, "settings": asdict(settings)}
    if prompts:
        data |= {"prompts": list(prompts), "before": result.before, "after": result.after}
    if args.eval:
        data |= {"before_metrics": result.metrics_before, "after_metrics": result.metrics_after}
    if args.json:
        print_json(data)
    else:
        for key in ("model", "validation_loss", "seconds", "adapter"):
            print(f"{key}: {data[key]}")
        for p, bef, aft in zip(prompts, result.before, result.after):
            print(f"\n> {p}\n  before: {bef}\n  after:  {aft}")
    return 0
