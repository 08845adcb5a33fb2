"""The device check: residency, batched throughput, seeds, bitsandbytes and a step profile.

One run, on whatever device is there, with random-weight models in real shapes
(``playground.serving.random_weights``) loaded through the registry and served by the
generation service, so what is measured is the product's own path:

- residency: two models under a budget that fits one; memory before, after each load and
  after eviction (CUDA ``memory_allocated`` after ``empty_cache``; on a CPU the process RSS and
  the models' footprints); a model with a running request is never evicted for the other;
- throughput, per shape: N sessions with different settings at once through the service,
  the same greedy, some of them one at a time, and ``model.generate`` with one static batch
  of the same prompts (greedy): aggregate tok/s, ratios, p50/p95 time to first token;
- seeds: does each row give the same tokens alone as in the batch of N?
- bitsandbytes int8 / nf4 / nf4-dq-bf16 of one shape (``playground.bench.gpucheck_bnb``);
- a profile of one decode step (``playground.bench.stepprofile``);
- syncs: tensor -> Python conversions per decode step at 4 and 16 rows, and CUDA syncs;
- scaling: 8/16/32 sessions, service vs ``model.generate`` vs the bandwidth roofline, and the
  largest batch the free memory holds (``playground.bench.gpucheck_scaling``);
- adapters: 32 sessions spread over 4 random LoRA adapters and the base in one batch, against
  the same sessions on the base alone (``playground.bench.adapterbench``).

Package ``playground.bench``: may import the feature packages and ``room``, ``serving``,
``config``, ``errors``; nothing but ``ui`` and ``cli`` imports it.
"""

from __future__ import annotations

import dataclasses
import platform
import time
from dataclasses import dataclass
from typing import Callable

import torch

from playground.config import Config, load_config
from playground.quant.presets import process_rss_mb, release_memory
from playground.bench.adapterbench import run_adapter_bench
from playground.bench.gpucheck_bnb import check_bitsandbytes
from playground.bench.gpucheck_scaling import check_scaling, check_syncs
from playground.bench.loadtest import percentile, run_concurrently, session_request
from playground.serving import random_weights
from playground.serving.catalog import CATALOG
from playground.serving.determinism import seed_promise
from playground.serving.registry import Registry, pick_device, pick_dtype
from playground.serving.residency import MemoryBudgetError
from playground.serving.service import GenerationRequest, GenerationResult, Prompt
from playground.serving.settings import GenerationSettings
from playground.bench.stepprofile import profile_decode_step

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CheckPlan:
    """What to run. Counts are sessions (one row each) and new tokens per row."""

    shapes: tuple[str, ...]
    sessions: int           # concurrent sessions per throughput run (1-256)
    new_tokens: int         # new tokens per session (1-512)
    sequential: int         # of those sessions, how many also run one at a time (1-sessions)
    bnb_sessions: int       # concurrent sessions per bitsandbytes preset
    bnb_new_tokens: int
    profile_steps: int      # decode steps timed by the profile
    deadline_s: float       # sections not started by then are skipped (the JSON still comes)
    bnb_needs_cuda: bool = True
    scaling: tuple[int, ...] = (8, 16, 32)  # session counts of the scaling section
    adapters: int = 4           # random LoRA adapters of the adapters section
    adapter_sessions: int = 32  # its sessions, spread over the adapters and the base

    @classmethod
    def default(cls, device: torch.device, shapes=None, **changes) -> "CheckPlan":
        """32 x 128 for llama-1b and llama-7b on CUDA; the tiny shape, 8 x 16, on a CPU."""
        cuda = device.type == "cuda"
        plan = cls(shapes=random_weights.parse_shapes(
                       shapes or ("llama-1b,llama-7b" if cuda else "tiny")),
                   sessions=32 if cuda else 8, new_tokens=128 if cuda else 16,
                   sequential=8 if cuda else 4, bnb_sessions=32 if cuda else 4,
                   bnb_new_tokens=64 if cuda else 8, profile_steps=16 if cuda else 8,
                   deadline_s=420.0 if cuda else 600.0,
                   scaling=(8, 16, 32) if cuda else (2, 4),
                   adapters=4 if cuda else 2, adapter_sessions=32 if cuda else 3)
        plan = dataclasses.replace(plan, **{k: v for k, v in changes.items() if v is not None})
        return dataclasses.replace(plan, sequential=max(1, min(plan.sequential, plan.sessions)))


def _mb(n: float) -> float:
    return round(n / 2**20, 1)


def memory_now(registry: Registry) -> dict:
    """After freeing what can be freed: CUDA allocated/reserved, or RSS; and model bytes."""
    release_memory()
    out = {"models_mb": _mb(registry.used_bytes())}
    if registry.device.type == "cuda":
        out |= {"allocated_mb": _mb(torch.cuda.memory_allocated(registry.device)),
                "reserved_mb": _mb(torch.cuda.memory_reserved(registry.device))}
    else:
        out["rss_mb"] = round(process_rss_mb(), 1)
    return out


def _level(mem: dict) -> float:
    return mem.get("allocated_mb", mem.get("rss_mb", 0.0))


def _warm(loaded) -> None:
    loaded.service.submit(GenerationRequest.single(GenerationSettings(max_new_tokens=2),
                                                   Prompt.raw("warm up"))).result()


def residency_pair(shapes: tuple[str, ...]) -> tuple[str, str]:
    """The two shapes the residency check loads: the first two given, or one and a fallback."""
    if len(shapes) >= 2:
        return shapes[0], shapes[1]
    return shapes[0], "tiny" if shapes[0] == "smollm2-135m" else "smollm2-135m"


def make_registry(plan: CheckPlan, tokenizer_dir, config: Config | None = None) -> Registry:
    """A registry that knows the random shapes, with a budget that fits the larger of the two
    residency models but not both, and batches as many rows as the plan has sessions."""
    config = config or load_config()
    shapes = tuple(dict.fromkeys(plan.shapes + residency_pair(plan.shapes)))
    catalog = CATALOG | random_weights.benchmark_catalog(shapes, tokenizer_dir)
    dtype = pick_dtype(pick_device(), config.models.cpu_dtype)
    sizes = [random_weights.estimate_bytes(catalog[random_weights.PREFIX + s], dtype)
             for s in residency_pair(plan.shapes)]
    budget = max(sizes) + min(sizes) // 2
    config = dataclasses.replace(
        config, models=dataclasses.replace(config.models, memory_budget_mb=budget / 2**20),
        service=dataclasses.replace(
            config.service,
            max_batch_rows=max(plan.sessions, plan.bnb_sessions, plan.adapter_sessions),
            max_queue=max(config.service.max_queue, 2 * plan.sessions,
                          2 * plan.adapter_sessions)))
    return Registry(config, catalog=catalog)


def check_residency(registry: Registry, shapes: tuple[str, str], progress: Progress) -> dict:
    a, b = (random_weights.PREFIX + s for s in shapes)
    out = {"budget_mb": _mb(registry.budget_bytes), "models": [a, b],
           "start": memory_now(registry)}
    first = registry.load(a, progress=progress, instructor=True)
    _warm(first)
    out["after_load_" + a] = memory_now(registry)
    out["footprint_mb"] = {a: _mb(first.footprint_bytes)}
    # a long request keeps the first model busy while the second asks for its memory
    handle = first.service.submit(GenerationRequest.single(
        GenerationSettings(max_new_tokens=registry.config.limits.max_new_tokens),
        Prompt.raw("Keep going:")))
    while handle.first_token_at is None and not handle.done:
        time.sleep(0.005)
    busy = first.busy()
    try:
        registry.load(b, progress=progress, instructor=True)
        refused, message = False, None
    except MemoryBudgetError as err:
        refused, message = True, str(err)
    out["busy_model_kept"] = {"busy_when_asked": busy, "load_refused": refused,
                              "message": message,
                              "still_resident": registry.get_loaded(a) is not None}
    handle.cancel()
    handle.result(timeout=120)
    del first, handle
    second = registry.load(b, progress=progress, instructor=True)
    _warm(second)
    out["footprint_mb"][b] = _mb(second.footprint_bytes)
    out["after_load_" + b] = after = memory_now(registry)
    out["evicted"] = sorted(registry.evicted)
    out["resident"] = [m.name for m in registry.resident()]
    # what the evicted model left behind: the level now minus the start and the second model
    fp_b = second.footprint_bytes / 2**20
    out["left_by_evicted_mb"] = round(_level(after) - _level(out["start"]) - fp_b, 1)
    return out


def _summary(results: list[GenerationResult], wall_s: float) -> dict:
    tokens = sum(r.new_tokens for r in results)
    ttft = [r.ttft_s for r in results if r.ttft_s is not None]
    return {"requests": len(results), "new_tokens": tokens, "wall_s": round(wall_s, 3),
            "tokens_per_s": round(tokens / wall_s, 2) if wall_s > 0 else None,
            "ttft_p50_s": round(percentile(ttft, 0.5), 3),
            "ttft_p95_s": round(percentile(ttft, 0.95), 3),
            "latency_p95_s": round(percentile([r.total_s for r in results], 0.95), 3)}


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.inference_mode()
def static_generate(loaded, prompt_ids: list[list[int]], new_tokens: int) -> dict:
    """``model.generate`` on one left-padded static batch, greedy: the baseline."""
    pad = loaded.tokenizer.pad_token_id or 0
    width = max(len(p) for p in prompt_ids)
    ids = torch.full((len(prompt_ids), width), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, p in enumerate(prompt_ids):
        ids[i, width - len(p):], mask[i, width - len(p):] = torch.tensor(p), 1
    ids, mask = ids.to(loaded.device), mask.to(loaded.device)
    model = loaded.model
    model.generate(input_ids=ids, attention_mask=mask, do_sample=False, max_new_tokens=2,
                   pad_token_id=pad)  # warm-up
    _sync(loaded.device)
    start = time.perf_counter()
    out = model.generate(input_ids=ids, attention_mask=mask, do_sample=False,
                         max_new_tokens=new_tokens, pad_token_id=pad)
    _sync(loaded.device)
    wall = time.perf_counter() - start
    tokens = int((out.shape[1] - width) * out.shape[0])
    return {"rows": len(prompt_ids), "new_tokens": tokens, "wall_s": round(wall, 3),
            "tokens_per_s": round(tokens / wall, 2)}


def check_throughput(loaded, plan: CheckPlan, progress: Progress) -> tuple[dict, dict]:
    """(throughput, seeds) for one resident model."""
    service, n = loaded.service, plan.sessions
    requests = [session_request(i, plan.new_tokens) for i in range(n)]
    greedy = [GenerationRequest(r.prompts, (r.variants[0].replace(do_sample=False),))
              for r in requests]
    _warm(loaded)
    progress(f"{loaded.name}: {plan.sequential} sessions one at a time…")
    start, alone = time.perf_counter(), []
    for r in requests[:plan.sequential]:
        alone.append(service.submit(r).result())
    seq = _summary(alone, time.perf_counter() - start)
    progress(f"{loaded.name}: {n} sessions at once, different settings…")
    mixed, wall = run_concurrently(service, requests)
    conc = _summary(mixed, wall)
    progress(f"{loaded.name}: {n} sessions at once, greedy…")
    conc_greedy = _summary(*run_concurrently(service, greedy))
    progress(f"{loaded.name}: model.generate, one static batch of {n}, greedy…")
    ids = [service.tokenize(service.render(r.prompts[0])) for r in requests]
    gen = static_generate(loaded, ids, plan.new_tokens)

    for phase in (conc, conc_greedy, gen):  # beside the profile's step: the service's overhead
        phase["ms_per_step"] = round(phase["wall_s"] * 1000 / plan.new_tokens, 3)

    def ratio(x, y):
        return round(x["tokens_per_s"] / y["tokens_per_s"], 3) if y["tokens_per_s"] else None

    throughput = {"model": loaded.name, "dtype": str(loaded.dtype).removeprefix("torch."),
                  "sessions": n, "new_tokens": plan.new_tokens,
                  "max_batch_rows": service.max_batch_rows, "service_one_at_a_time": seq,
                  "service_concurrent": conc, "service_concurrent_greedy": conc_greedy,
                  "generate_static_batch": gen,
                  "ratio_concurrent_vs_one_at_a_time": ratio(conc, seq),
                  "ratio_concurrent_vs_generate": ratio(conc, gen),
                  "ratio_concurrent_greedy_vs_generate": ratio(conc_greedy, gen)}
    return throughput, seed_report(loaded, requests, alone, mixed)


def seed_report(loaded, requests, alone: list[GenerationResult],
                batched: list[GenerationResult]) -> dict:
    """Each row's tokens alone vs in the batch, and where the first difference is."""
    rows = []
    for req, a, b in zip(requests, alone, batched):
        x, y = a.samples[0].token_ids, b.samples[0].token_ids
        diverge = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q),
                       None if len(x) == len(y) else min(len(x), len(y)))
        rows.append({"seed": req.variants[0].seed, "sampled": req.variants[0].do_sample,
                     "identical": diverge is None, "first_divergence": diverge})
    sampled = [r for r in rows if r["sampled"]]
    return {"model": loaded.name, "device": loaded.device.type,
            "dtype": str(loaded.dtype).removeprefix("torch."), "batch_rows": len(batched),
            "rows_compared": len(rows), "identical_rows": sum(r["identical"] for r in rows),
            "sampled_rows": len(sampled),
            "identical_sampled_rows": sum(r["identical"] for r in sampled),
            "same_tokens_alone_and_in_batch": all(r["identical"] for r in rows),
            "first_divergences": [r["first_divergence"] for r in rows if not r["identical"]],
            "ui_says": seed_promise(loaded.device)}


def check_profile(loaded, plan: CheckPlan) -> dict:
    requests = [session_request(i, plan.new_tokens) for i in range(plan.sessions)]
    service = loaded.service
    ids = [service.tokenize(service.render(r.prompts[0])) for r in requests]
    return profile_decode_step(loaded, ids, [r.variants[0] for r in requests],
                               steps=plan.profile_steps)


def device_info(registry: Registry) -> dict:
    import transformers

    device = registry.device
    info = {"device": device.type, "dtype": str(registry.dtype).removeprefix("torch."),
            "torch": torch.__version__, "transformers": transformers.__version__,
            "torch_threads": torch.get_num_threads()}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info |= {"name": props.name, "memory_mb": _mb(props.total_memory)}
    else:
        info["name"] = platform.processor() or platform.machine()
    return info


def targets(doc: dict) -> dict:
    """The issue's targets for a first GPU measurement, met or not, from what was measured."""
    out = {}
    for shape, t in (doc.get("throughput") or {}).items():
        if "service_concurrent" not in t:
            continue
        out[shape] = {"service_vs_generate_at_least_1": (t["ratio_concurrent_vs_generate"] or 0)
                      >= 1.0, "ttft_p95_at_most_1s": t["service_concurrent"]["ttft_p95_s"] <= 1.0}
    res = doc.get("residency") or {}
    if "end" in res and "start" in res:
        largest = max((res.get("footprint_mb") or {"": 0.0}).values())
        left = _level(res["end"]) - _level(res["start"])
        out["memory_back_to_start"] = {"left_mb": round(left, 1),
                                       "within_5pct_of_largest_model": abs(left) <= 0.05 * largest}
    return out


def run_gpucheck(plan: CheckPlan, tokenizer_dir, config: Config | None = None,
                 progress: Progress = lambda _m: None,
                 on_section: Callable[[dict], None] = lambda _doc: None) -> dict:
    """Every section in turn; a section that fails or finds no time left says so in its
    place and the others still run. ``on_section(doc)`` after each one (to save partial
    results). Returns the whole document (JSON-ready)."""
    start = time.perf_counter()
    tokenizer_dir = random_weights.check_tokenizer_dir(tokenizer_dir)
    registry = make_registry(plan, tokenizer_dir, config)
    doc: dict = {"device": device_info(registry), "plan": dataclasses.asdict(plan),
                 "residency": None, "throughput": {}, "seeds": {}, "profile": {},
                 "syncs": {}, "scaling": {}, "adapters": {}, "bitsandbytes": None}

    def run(fn, *args):
        if time.perf_counter() - start > plan.deadline_s:
            return {"skipped": f"the check's time budget ({plan.deadline_s:.0f} s) ran out"}
        try:
            return fn(*args)
        except Exception as err:  # report it in place; the other sections still run
            first = str(err).splitlines()[0] if str(err) else ""
            return {"failed": f"{type(err).__name__}: {first}"}

    def save(key, value, shape=None):
        if shape is None:
            doc[key] = value
        else:
            doc[key][shape] = value
        doc["seconds"] = round(time.perf_counter() - start, 1)
        on_section(doc)

    progress(f"residency: {' and '.join(residency_pair(plan.shapes))} under "
             f"{_mb(registry.budget_bytes):,.0f} MiB…")
    save("residency", run(check_residency, registry, residency_pair(plan.shapes), progress))
    # the resident shape first: one load fewer
    order = sorted(plan.shapes, key=lambda s: registry.get_loaded(
        random_weights.PREFIX + s) is None)
    for shape in order:
        def both(shape=shape):
            loaded = registry.load(random_weights.PREFIX + shape, progress=progress,
                                   instructor=True)
            return (*check_throughput(loaded, plan, progress), check_profile(loaded, plan),
                    check_syncs(loaded, min(32, plan.new_tokens)))
        parts = run(both)
        if isinstance(parts, dict):  # skipped or failed: the same note in each section
            parts = (parts, parts, parts, parts)
        save("throughput", parts[0], shape)
        save("seeds", parts[1], shape)
        save("profile", parts[2], shape)
        save("syncs", parts[3], shape)

        def scaling(shape=shape):
            loaded = registry.load(random_weights.PREFIX + shape, progress=progress,
                                   instructor=True)
            progress(f"{loaded.name}: {', '.join(map(str, plan.scaling))} sessions…")
            return check_scaling(loaded, static_generate, plan.scaling,
                                 min(64, plan.new_tokens))
        save("scaling", run(scaling), shape)

        def adapters(shape=shape):
            progress(f"{shape}: {plan.adapter_sessions} sessions over {plan.adapters} "
                     f"adapters and the base…")
            return run_adapter_bench(registry, random_weights.PREFIX + shape, plan.adapters,
                                     plan.adapter_sessions, min(64, plan.new_tokens),
                                     rounds=2, progress=progress, alone_rows=plan.sequential)
        save("adapters", run(adapters), shape)
    bnb_shape = "llama-1b" if "llama-1b" in plan.shapes else plan.shapes[0]
    save("bitsandbytes", run(check_bitsandbytes, registry, bnb_shape, plan.bnb_sessions,
                             plan.bnb_new_tokens, plan.bnb_needs_cuda, progress))
    for m in registry.resident():
        registry.unload(m.name, reason="the check is over")
    if isinstance(doc["residency"], dict) and "start" in doc["residency"]:
        doc["residency"]["end"] = memory_now(registry)
    doc["ui_seed_promise"] = seed_promise(registry.device)
    save("targets", targets(doc))
    return doc
