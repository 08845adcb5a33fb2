"""``bench --adapters N``: many LoRA adapters in one batch against the base model alone.

N adapters with random, non-zero weights (no training) are written in PEFT's format
(``adapter_config.json`` + ``adapter_model.safetensors``, the keys ``PeftModel`` saves) to a
temporary folder and registered like any adapter. The sessions are spread over the adapters
and the base (session ``i`` on adapter ``i % (N + 1)``, 0 being the base), every row greedy.

- ``adapter_ratio``: the mixed batch's tok/s divided by the base-only batch's tok/s, the same
  sessions, prompts and token budget, both measured in this run; the two take turns
  ``rounds`` times, so a load on the machine that comes and goes meets both alike (medians).
- ``identical``: every row of the mixed batch gave the text its adapter (or the base) gives
  when served alone, one request at a time.

Package ``playground.bench``: may import the feature packages and ``room``, ``serving``,
``config``, ``errors``; nothing but ``ui`` and ``cli`` imports it.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import torch

from playground.bench.loadtest import TOPICS, _summary, run_concurrently
from playground.serving.adapters import META
from playground.serving.handles import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings

BENCH_OWNER = "bench-adapters"  # the adapters' owner: offered to no participant's picker


def write_random_adapter(model: torch.nn.Module, folder: str | Path, base: str, seed: int,
                         rank: int = 8, alpha: int = 16) -> Path:
    """A LoRA adapter with random, non-zero A and B on every linear layer but the LM head, in
    PEFT's format. A is drawn as PEFT draws it (Kaiming-uniform); B, which PEFT starts at zero,
    is small Gaussian noise, so each adapter moves the text away from the base's."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    tensors, targets = {}, set()
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear) or name.endswith("lm_head"):
            continue
        bound = 1 / module.in_features ** 0.5
        a = (torch.rand(rank, module.in_features, generator=gen) * 2 - 1) * bound
        b = torch.randn(module.out_features, rank, generator=gen) * 0.1
        tensors[f"base_model.model.{name}.lora_A.weight"] = a.contiguous()
        tensors[f"base_model.model.{name}.lora_B.weight"] = b.contiguous()
        targets.add(name.rsplit(".", 1)[-1])
    save_file(tensors, str(folder / "adapter_model.safetensors"))
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": alpha,
              "lora_dropout": 0.0, "bias": "none", "use_rslora": False,
              "target_modules": sorted(targets), "base_model_name_or_path": base}
    (folder / "adapter_config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    (folder / META).write_text(json.dumps({"base": base}), encoding="utf-8")
    return folder


def greedy_request(i: int, new_tokens: int, adapter: str | None) -> GenerationRequest:
    """Participant i's prompt, greedy, on ``adapter``. Every participant's prompt is their own
    (the topic of ``session_request`` and their number): rows that share a prompt share its
    prefill, and the base-only batch would get that saving where the mixed batch cannot."""
    prompt = Prompt.chat([{"role": "user", "content": f"Participant {i + 1} asks: write a "
                           f"long, detailed essay about {TOPICS[i % len(TOPICS)]}."}])
    settings = GenerationSettings(do_sample=False, max_new_tokens=new_tokens)
    return GenerationRequest((prompt,), (settings,), adapter=adapter)


def run_adapter_bench(registry, base: str, adapters: int = 4, sessions: int = 16,
                      new_tokens: int = 32, rounds: int = 3, progress=lambda _m: None,
                      alone_rows: int | None = None) -> dict:
    """The figures of the module docstring, for the catalog model ``base``. ``alone_rows``:
    how many rows (the first ones) ``identical`` checks one at a time (None: every row)."""
    loaded = registry.load(base, progress=progress, instructor=True)
    service = loaded.service
    folder = Path(tempfile.mkdtemp(prefix="playground-bench-adapters-"))
    names: list[str] = []
    try:
        for k in range(adapters):
            path = write_random_adapter(loaded.model, folder / f"random-{k}", loaded.name, k + 1)
            spec = registry.register_adapter(path, f"random-{k}", loaded.name, owner=BENCH_OWNER)
            registry.load(spec.name, instructor=True)
            names.append(spec.name)
        plan = [None if i % (adapters + 1) == 0 else names[i % (adapters + 1) - 1]
                for i in range(sessions)]
        mixed = [greedy_request(i, new_tokens, a) for i, a in enumerate(plan)]
        base_only = [dataclasses.replace(r, adapter=None) for r in mixed]
        service.submit(GenerationRequest.single(GenerationSettings(max_new_tokens=2),
                                                Prompt.raw("warm up"))).result()
        runs: dict[str, list[dict]] = {"base": [], "mixed": []}
        mixed_texts = base_texts = None
        for r in range(rounds):
            for phase, requests in (("base", base_only), ("mixed", mixed)):
                progress(f"round {r + 1}/{rounds}, {phase}: {sessions} clients at once…")
                results, wall_s = run_concurrently(service, requests)
                runs[phase].append(_summary(results, wall_s))
                if r == 0 and phase == "mixed":
                    mixed_texts = [res.texts() for res in results]
                elif r == 0:
                    base_texts = [res.texts() for res in results]
        checked = mixed[:sessions if alone_rows is None else max(1, alone_rows)]
        progress(f"alone: {len(checked)} requests one at a time…")
        alone = [service.submit(r).result().texts() for r in checked]
    finally:
        for name in names:
            registry.unload(name)
            registry.adapter_specs.pop(name, None)
        shutil.rmtree(folder, ignore_errors=True)
    same = [a == b for a, b in zip(alone, mixed_texts)]
    medians = {phase: sorted(run["tokens_per_s"] for run in done)[len(done) // 2]
               for phase, done in runs.items()}
    return {"model": loaded.name, "dtype": str(loaded.dtype).removeprefix("torch."),
            "device": loaded.device.type, "sessions": sessions, "adapters": adapters,
            "new_tokens": new_tokens, "rounds": rounds,
            "rows_per_adapter": {str(a or "base"): plan.count(a) for a in [None, *names]},
            "base_only": runs["base"], "mixed": runs["mixed"],
            "base_only_tokens_per_s": medians["base"], "mixed_tokens_per_s": medians["mixed"],
            "adapter_ratio": round(medians["mixed"] / medians["base"], 2),
            "identical": all(same), "identical_rows": sum(same), "checked_rows": len(same),
            # rows on an adapter whose text differs from the base's for the same prompt
            "adapter_rows_unlike_base": sum(t != b for t, b, a in zip(alone, base_texts, plan)
                                            if a is not None),
            "adapter_rows": sum(a is not None for a in plan[:len(same)])}
