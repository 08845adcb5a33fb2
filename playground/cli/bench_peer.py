"""``bench --peer URL``: the same N concurrent sessions against the in-process service and a
running OpenAI-compatible engine (e.g. scripts/llama_server.sh), one core each, in one run.

The service runs with torch threads = 1 (start the engine on one core too: llama-server
``-t 1``, or ``taskset -c 1``). Prints both and the ratio service / peer.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.bench.loadtest import _summary, run_concurrently, session_request
from playground.serving.catalog import ModelSpec
from playground.serving.handles import GenerationRequest, Prompt
from playground.serving.remote_service import connect
from playground.serving.settings import GenerationSettings


def run_peer(loaded, peer_url: str, peer_model: str, sessions: int, new_tokens: int,
             progress=lambda _m: None) -> dict:
    import torch

    torch.set_num_threads(1)
    requests = [session_request(i, new_tokens) for i in range(sessions)]
    warm = GenerationRequest.single(GenerationSettings(max_new_tokens=2), Prompt.raw("warm up"))
    loaded.service.submit(warm).result()
    loaded.service.submit(requests[1]).result()  # the same warm-up as the peer's below
    progress(f"service: {sessions} clients at once (torch threads 1)…")
    results, wall_s = run_concurrently(loaded.service, requests)
    service = _summary(results, wall_s)

    spec = ModelSpec("peer", "openai", peer_model, True, base_url=peer_url)
    peer = connect(spec, loaded.service_config if hasattr(loaded, "service_config") else None)
    peer.service.submit(warm).result()
    peer.service.submit(requests[1]).result()  # runs the capability check outside the timing
    progress(f"peer ({peer.engine} at {peer_url}): {sessions} clients at once…")
    results, wall_s = run_concurrently(peer.service, requests)
    remote = _summary(results, wall_s)
    peer.service.close()
    return {"model": loaded.name, "sessions": sessions, "new_tokens": new_tokens,
            "service": service, "peer": remote, "peer_engine": peer.engine,
            "peer_capabilities": peer.capabilities,
            "ratio": round(service["tokens_per_s"] / remote["tokens_per_s"], 2)}
