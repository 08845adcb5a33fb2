"""Two sections of the device check: the decode step's syncs, and throughput as the room grows.

- ``check_syncs``: tensor -> Python conversions on the owner thread per decode step, for 4 and
  16 concurrent rows with mixed settings (``playground.bench.syncs``: the same count the CPU
  test asserts), and on CUDA the syncs themselves, counted by
  ``torch.cuda.set_sync_debug_mode("warn")`` (each sync is one warning).
- ``check_scaling``: for 8, 16 and 32 concurrent sessions, the service (mixed settings) beside
  ``model.generate`` on one static batch (greedy), and both beside the memory-bandwidth
  roofline: a decode step reads every weight once, so at most ``bandwidth / weight bytes``
  steps per second, i.e. ``rows x`` that many tokens per second (the KV cache's reads come on
  top, so the real bound is lower). Plus an estimate of the largest batch the free memory
  holds (KV cache per row at this length; an estimate, not a trial).

Package ``playground.bench``: may import the feature packages and ``room``, ``serving``,
``config``, ``errors``; nothing but ``ui`` and ``cli`` imports it.
"""

from __future__ import annotations

import warnings

import torch

from playground.bench.loadtest import percentile, run_concurrently, session_request
from playground.bench.syncs import count_conversions

# peak memory bandwidth (GB/s) of common accelerators, by a part of their name
BANDWIDTH_GBS = {"H200": 4800, "H100 NVL": 3900, "H100": 3350, "A100-SXM4-80GB": 2039,
                 "A100 80GB": 1935, "A100": 1555, "L40S": 864, "L4": 300, "A10": 600,
                 "T4": 320, "RTX 4090": 1008, "RTX 3090": 936}


def bandwidth_gbs(device_name: str) -> float | None:
    for part, gbs in BANDWIDTH_GBS.items():  # longest names first in the table above
        if part.lower() in device_name.lower():
            return float(gbs)
    return None


def check_syncs(loaded, new_tokens: int = 32) -> dict:
    """Conversions per decode step on the owner thread, and CUDA syncs, at 4 and 16 rows."""
    service, out = loaded.service, {}
    cuda = loaded.device.type == "cuda"
    for rows in (4, 16):
        requests = [session_request(i, new_tokens) for i in range(rows)]
        with warnings.catch_warnings(record=True) as caught, \
                count_conversions(service._thread.name) as count:
            warnings.simplefilter("always")
            if cuda:
                torch.cuda.set_sync_debug_mode("warn")
            try:
                for handle in [service.submit(r) for r in requests]:
                    handle.result(timeout=600)
            finally:
                if cuda:
                    torch.cuda.set_sync_debug_mode("default")
        summary = count.summary()
        if cuda:
            syncs = sum("synchroniz" in str(w.message).lower() for w in caught)
            summary["cuda_syncs"] = syncs
            summary["cuda_syncs_per_step"] = round(syncs / max(1, summary["steps"]), 2)
        out[f"rows_{rows}"] = summary
    return out


def _tok_s(results, wall_s: float) -> dict:
    tokens = sum(r.new_tokens for r in results)
    ttft = [r.ttft_s for r in results if r.ttft_s is not None]
    return {"tokens_per_s": round(tokens / wall_s, 2) if wall_s > 0 else None,
            "ttft_p95_s": round(percentile(ttft, 0.95), 3)}


def kv_bytes_per_token(model) -> int:
    """Bytes of KV cache one token of one row takes (keys and values, every layer)."""
    c = model.config
    heads = getattr(c, "num_key_value_heads", None) or c.num_attention_heads
    head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
    itemsize = next(model.parameters()).element_size()
    return 2 * c.num_hidden_layers * heads * head_dim * itemsize


def largest_batch(loaded, tokens_per_row: int) -> dict:
    """How many rows of ``tokens_per_row`` the free device memory could hold (estimate)."""
    per_row = kv_bytes_per_token(loaded.model) * tokens_per_row
    if loaded.device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(loaded.device)
    else:
        import psutil
        free = psutil.virtual_memory().available
    return {"tokens_per_row": tokens_per_row, "kv_mb_per_row": round(per_row / 2**20, 2),
            "free_mb": round(free / 2**20), "rows_that_fit_estimate": int(free * 0.9 // per_row)}


def check_scaling(loaded, static_generate, counts=(8, 16, 32), new_tokens: int = 64) -> dict:
    """Service vs ``model.generate`` vs the roofline at each count of sessions."""
    service = loaded.service
    weight_bytes = sum(p.numel() * p.element_size() for p in loaded.model.parameters())
    name = (torch.cuda.get_device_properties(loaded.device).name
            if loaded.device.type == "cuda" else "cpu")
    gbs = bandwidth_gbs(name)
    out = {"device_name": name, "weight_mb": round(weight_bytes / 2**20),
           "bandwidth_gbs": gbs, "new_tokens": new_tokens, "by_sessions": {}}
    longest = 0
    for n in counts:
        requests = [session_request(i, new_tokens) for i in range(n)]
        ids = [service.tokenize(service.render(r.prompts[0])) for r in requests]
        longest = max(longest, max(len(i) for i in ids))
        service_run = _tok_s(*run_concurrently(service, requests))
        static = static_generate(loaded, ids, new_tokens)
        row = {"service": service_run, "generate_static": static["tokens_per_s"]}
        if gbs:
            roofline = n * gbs * 1e9 / weight_bytes
            row["roofline_tokens_per_s"] = round(roofline, 1)
            row["service_share_of_roofline"] = round(service_run["tokens_per_s"] / roofline, 3)
        if static["tokens_per_s"]:
            row["service_vs_generate"] = round(service_run["tokens_per_s"]
                                               / static["tokens_per_s"], 3)
        out["by_sessions"][str(n)] = row
    out["largest_batch"] = largest_batch(loaded, longest + new_tokens)
    return out
