"""Workshop-scale measurements on the real service: ``bench`` and ``soak``.

bench: the same N requests (different prompts and settings, as N participants would send) run
first one at a time, like the tutorial's one ``pipeline()`` call per prompt, then from N
concurrent clients through the batching service. Rows are batch-invariant, so both phases
generate the same tokens; the ratio of aggregate tok/s is the gain from batching.

soak: N simulated sessions (threads) keep submitting for a while; every stream must complete,
match its own request (never another session's text), and memory must stay bounded.

Package ``playground.bench``: may import the feature packages and ``room``, ``serving``,
``config``, ``errors``; nothing but ``ui`` and ``cli`` imports it.
"""

from __future__ import annotations

import gc
import statistics
import threading
import time
from dataclasses import dataclass

import psutil

from playground.errors import PlaygroundError, ServiceBusyError
from playground.serving.jobqueue import Job, JobQueue
from playground.serving.service import GenerationRequest, GenerationResult, Prompt
from playground.serving.settings import GenerationSettings

TOPICS = ["a dragon who is afraid of heights", "the history of the printing press",
          "how a bicycle works", "a robot learning to paint", "why the sky is blue",
          "a day in the life of a lighthouse keeper", "the rules of chess",
          "a cat who runs a bakery"]


def session_request(i: int, new_tokens: int, session: str | None = None) -> GenerationRequest:
    """Participant i's request: its own prompt and its own sampling settings and seed."""
    settings = GenerationSettings(
        do_sample=i % 8 != 0, temperature=(0.7, 0.9, 1.0, 1.2)[i % 4],
        top_p=(0.9, 1.0, 0.95)[i % 3], top_k=(0, 50)[i % 2], max_new_tokens=new_tokens, seed=i)
    prompt = Prompt.chat([{"role": "user",
                           "content": f"Write a long, detailed essay about {TOPICS[i % 8]}."}])
    return GenerationRequest((prompt,), (settings,), session=session)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _summary(results: list[GenerationResult], wall_s: float) -> dict:
    tokens = sum(r.new_tokens for r in results)
    ttft = [r.ttft_s for r in results if r.ttft_s is not None]
    latency = [r.total_s for r in results]
    return {"requests": len(results), "new_tokens": tokens, "wall_s": round(wall_s, 2),
            "tokens_per_s": round(tokens / wall_s, 2),
            "ttft_p50_s": round(percentile(ttft, 0.5), 3),
            "ttft_p95_s": round(percentile(ttft, 0.95), 3),
            "latency_p50_s": round(percentile(latency, 0.5), 3),
            "latency_p95_s": round(percentile(latency, 0.95), 3)}


def run_concurrently(service, requests) -> tuple[list[GenerationResult], float]:
    """Submit ``requests`` from one thread each, all released at once by a barrier (like a
    room pressing Generate together); the results in order and the wall time in seconds."""
    results: list = [None] * len(requests)
    barrier = threading.Barrier(len(requests) + 1)

    def client(i):
        barrier.wait()
        results[i] = service.submit(requests[i]).result()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return results, time.perf_counter() - start


def run_bench(loaded, sessions: int = 16, new_tokens: int = 64, progress=lambda _m: None) -> dict:
    requests = [session_request(i, new_tokens) for i in range(sessions)]
    service = loaded.service
    service.submit(GenerationRequest.single(GenerationSettings(max_new_tokens=2),
                                            Prompt.raw("warm up"))).result()

    progress(f"sequential: {sessions} requests one at a time…")
    start, sequential = time.perf_counter(), []
    for r in requests:
        sequential.append(service.submit(r).result())
    seq = _summary(sequential, time.perf_counter() - start)

    progress(f"concurrent: {sessions} clients at once…")
    results, wall_s = run_concurrently(service, requests)
    conc = _summary(results, wall_s)
    same = [a.texts() == b.texts() for a, b in zip(sequential, results)]
    return {"model": loaded.name, "device": loaded.device.type, "sessions": sessions,
            "new_tokens": new_tokens, "max_batch_rows": service.max_batch_rows,
            "sequential": seq, "concurrent": conc,
            "ratio": round(conc["tokens_per_s"] / seq["tokens_per_s"], 2),
            "same_text_both_ways": sum(same)}


@dataclass
class SoakReport:
    requests: int = 0
    failed: int = 0
    mixed: int = 0
    incomplete: int = 0
    rss_start_mb: float = 0.0
    rss_warm_mb: float = 0.0   # after the first quarter: allocator pools are full by then
    rss_peak_mb: float = 0.0
    rss_end_mb: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.failed == self.mixed == self.incomplete == 0

    def summary(self) -> str:
        return (f"{self.requests} requests in {self.seconds:.0f} s: {self.failed} failed, "
                f"{self.mixed} mixed, {self.incomplete} incomplete; RSS {self.rss_start_mb:.0f} "
                f"MiB at start, {self.rss_warm_mb:.0f} MiB warm, peak {self.rss_peak_mb:.0f} MiB, "
                f"{self.rss_end_mb:.0f} MiB at the end")


def run_soak(loaded, sessions: int = 32, seconds: float = 60.0, new_tokens: int = 24,
             progress=lambda _m: None, cancelled=lambda: False) -> SoakReport:
    """Each simulated session submits its own request again and again until time is up.

    A stream is 'mixed' if its streamed deltas do not add up to its own final text, or if its
    text differs from the text the same request gave when it ran alone (its reference).
    """
    service, proc = loaded.service, psutil.Process()
    report = SoakReport()
    gc.collect()
    report.rss_start_mb = report.rss_peak_mb = proc.memory_info().rss / 2**20
    references = {}
    for i in range(min(sessions, 8)):  # sessions with the same i % 8 send the same request
        references[i] = service.submit(session_request(i, new_tokens)).result().texts()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def session(i):
        while time.perf_counter() < deadline and not cancelled():
            request = session_request(i % 8, new_tokens, session=f"soak-{i}")
            try:
                handle = service.submit(request)
                streamed = [""] * len(handle.samples)
                for row, delta in handle.stream(timeout=300):
                    streamed[row] += delta
                result = handle.result()
                bad_mix = streamed != result.texts() or result.texts() != references[i % 8]
                bad_end = any(s.finish_reason not in ("eos", "length") for s in result.samples)
            except Exception:  # counted; the report says how many
                with lock:
                    report.requests += 1
                    report.failed += 1
                continue
            with lock:
                report.requests += 1
                report.mixed += bad_mix
                report.incomplete += bad_end
                report.rss_peak_mb = max(report.rss_peak_mb, proc.memory_info().rss / 2**20)

    start = time.perf_counter()
    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    warm_at = start + seconds / 4
    while any(t.is_alive() for t in threads):
        time.sleep(min(5.0, max(0.5, seconds / 8)))
        if not report.rss_warm_mb and time.perf_counter() >= warm_at:
            report.rss_warm_mb = proc.memory_info().rss / 2**20
        progress(f"{report.requests} requests, {report.failed} failed, "
                 f"rss {proc.memory_info().rss / 2**20:.0f} MiB")
    report.seconds = time.perf_counter() - start
    gc.collect()
    report.rss_end_mb = proc.memory_info().rss / 2**20
    return report


# -- a rehearsal on the running server (Admin page) ------------------------------------------

_rehearsals = JobQueue("rehearsal", max_waiting=1)
_last: list[Job] = []  # the latest rehearsal on this server, finished or not


def start_rehearsal(loaded, sessions: int, minutes: float, new_tokens: int) -> Job:
    """A soak on the server's own service, while real participants (tabs) use it too: the
    instructor's dress rehearsal before a workshop. One at a time per server."""
    if not (1 <= sessions <= 128 and 0 < minutes <= 30 and 1 <= new_tokens <= 256):
        raise PlaygroundError("a rehearsal takes 1 to 128 sessions, up to 30 minutes and 1 to "
                              "256 new tokens per request")
    if _last and not _last[-1].done:
        raise ServiceBusyError("a rehearsal is already running on this server; stop it first")
    seconds = minutes * 60

    def job(progress, cancelled):
        started = time.perf_counter()

        def say(message: str) -> None:
            progress(min(1.0, (time.perf_counter() - started) / seconds), message)
        return run_soak(loaded, sessions, seconds, new_tokens, say, cancelled)

    _last[:] = [_rehearsals.submit(job, label="the rehearsal")]
    return _last[0]


def last_rehearsal() -> Job | None:
    return _last[-1] if _last else None


def run_dtype_bench(name: str, dtypes: list[str], sessions: int = 16, new_tokens: int = 64,
                    progress=lambda _m: None, rounds: int = 3) -> dict:
    """The concurrent phase of ``run_bench`` per CPU dtype (``[models] cpu_dtype``), in one run:
    the dtypes take turns, ``rounds`` times (float32, bfloat16, float32, bfloat16, …), so that
    a load on the machine that comes and goes meets every dtype alike; each turn loads the
    model in its dtype alone (``bench`` runs this before it loads its own copy). Each dtype's
    tok/s is its median round; ``ratio_to_first`` divides medians, and ``round_ratios`` gives
    each round's ratio to the first dtype's same round. Texts may differ between dtypes (bf16
    rounds differently); each dtype's own texts are what its pages would show."""
    from dataclasses import replace

    from playground.config import load_config
    from playground.serving.registry import Registry

    config = load_config()
    requests = [session_request(i, new_tokens) for i in range(sessions)]
    registries = {d: Registry(replace(config, models=replace(config.models, cpu_dtype=d)))
                  for d in dtypes}
    runs: dict[str, list[dict]] = {d: [] for d in dtypes}
    loaded_as: dict[str, str] = {}
    for r in range(rounds):
        for dtype, registry in registries.items():
            # one model resident at a time, as on a server that runs one dtype (the copy is
            # read from the converted cache, a second or so)
            loaded = registry.load(name, progress=progress if r == 0 else None,
                                   instructor=True)
            try:
                loaded_as[dtype] = str(loaded.dtype).removeprefix("torch.")
                loaded.service.submit(GenerationRequest.single(
                    GenerationSettings(max_new_tokens=2), Prompt.raw("warm up"))).result()
                progress(f"round {r + 1}/{rounds}, {dtype} ({loaded_as[dtype]}): {sessions} "
                         f"clients at once…")
                results, wall_s = run_concurrently(loaded.service, requests)
                runs[dtype].append(_summary(results, wall_s))
            finally:
                registry.unload(loaded.name)
    out = {}
    for dtype in dtypes:
        speeds = sorted(run["tokens_per_s"] for run in runs[dtype])
        out[dtype] = {"tokens_per_s": speeds[len(speeds) // 2],
                      "rounds_tokens_per_s": [run["tokens_per_s"] for run in runs[dtype]],
                      "loaded_as": loaded_as[dtype]}
    first = dtypes[0]
    for dtype in dtypes:
        out[dtype]["ratio_to_first"] = round(out[dtype]["tokens_per_s"]
                                             / out[first]["tokens_per_s"], 2)
        out[dtype]["round_ratios"] = [round(a["tokens_per_s"] / b["tokens_per_s"], 2)
                                      for a, b in zip(runs[dtype], runs[first])]
    return {"model": name, "sessions": sessions, "new_tokens": new_tokens, "rounds": rounds,
            "dtypes": out}
