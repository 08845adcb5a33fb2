"""``bench --fairness``: what one participant waits while others hold the server, per scheduler.

Two measurements, each with ``scheduler = "fifo"`` (whole requests, first come first served)
and ``"fair"`` (``playground.serving.scheduler``) in one run, on one resident model:

- **a newcomer beside three at the limits**: three participants each ask for ``rows`` samples
  of ``tokens`` tokens; once they run, a fourth asks for 8 tokens. Its time to first token and
  to its last token. The big requests are stopped as soon as the newcomer is done (their
  completion is not what is measured).
- **the spread of a busy room**: ``sessions`` participants send requests back to back for
  ``seconds``, participant i asking for 1 + i % 8 samples at a time; tokens served to each:
  min, median, max and max/min. First come first served hands out tokens in proportion to
  what each asks for; the fair share evens them out.

Package ``playground.bench``: may import the feature packages and ``room``, ``serving``,
``config``, ``errors``; nothing but ``ui`` and ``cli`` imports it.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import replace

from playground.errors import PlaygroundError, ServiceBusyError
from playground.serving import fairshare
from playground.serving.service import GenerationRequest, GenerationService, Prompt
from playground.serving.settings import GenerationSettings

ESSAY = Prompt.chat([{"role": "user", "content": "Write a long essay about dragons."}])


def request_for(rows: int, tokens: int, seed: int) -> GenerationRequest:
    return GenerationRequest((ESSAY,), (GenerationSettings(
        do_sample=True, temperature=0.9, top_p=0.95, seed=seed, max_new_tokens=tokens,
        num_return_sequences=rows),))


def submit_as(service, who: str, request):
    fairshare.acting_for(f"{who}/bench")
    try:
        return service.submit(request)
    finally:
        fairshare.acting_for(None)


def newcomer(loaded, scheduler: str, rows: int = 16, tokens: int = 256,
             timeout_s: float = 900.0, wait_s: float = 120.0) -> dict:
    """The newcomer's first token and total time, or, when it has not finished ``wait_s``
    seconds after it asked (first come, first served on a busy machine: it waits for all three
    heavy requests), a partial entry: ``finished`` False, the tokens it got by then and the
    wait as a lower bound. The wait stays below the service's request timeout, so the run
    always ends with figures instead of the newcomer's "too busy" error."""
    service = GenerationService(loaded, replace(loaded.service.config, scheduler=scheduler,
                                                gather_ms=0))
    wait_s = max(0.05, min(wait_s, service.config.request_timeout_s * 0.9))
    try:
        big = [submit_as(service, f"heavy{i}", request_for(rows, tokens, i)) for i in range(3)]
        deadline = time.monotonic() + timeout_s
        while not any(s.token_ids for h in big for s in h.samples):
            if time.monotonic() > deadline:
                raise PlaygroundError("the heavy requests did not start in time")
            time.sleep(0.01)
        start = time.perf_counter()
        small = submit_as(service, "newcomer", request_for(1, 8, 99))
        try:
            result = small.result(timeout=wait_s)
        except (TimeoutError, PlaygroundError):  # not done in time (or the service gave up)
            result = None
        total = time.perf_counter() - start
        for h in (*big, small):
            h.cancel()
        if result is None:
            got = len(small.samples[0].token_ids)
            return {"scheduler": scheduler, "finished": False, "first_token_s": None,
                    "total_s": None, "waited_s": round(total, 2), "tokens": got,
                    "rows_parked_for_others": service.parks}
        return {"scheduler": scheduler, "finished": True,
                "first_token_s": round(result.ttft_s or 0.0, 2),
                "total_s": round(total, 2), "tokens": result.new_tokens,
                "rows_parked_for_others": service.parks}
    finally:
        service.close()


def spread(loaded, scheduler: str, sessions: int = 30, seconds: float = 20.0,
           tokens: int = 16) -> dict:
    """Tokens generated for each participant during ``seconds`` (finished or not: a request
    still running at the end counts what it has made so far)."""
    service = GenerationService(loaded, replace(loaded.service.config, scheduler=scheduler))
    handles: list[list] = [[] for _ in range(sessions)]
    stop_at = time.monotonic() + seconds

    def client(i: int) -> None:
        while time.monotonic() < stop_at:
            try:
                handle = submit_as(service, f"p{i:02d}", request_for(1 + i % 8, tokens, i))
            except ServiceBusyError:
                time.sleep(0.05)
                continue
            handles[i].append(handle)
            try:
                handle.result(timeout=max(0.01, stop_at - time.monotonic()))
            except Exception:  # noqa: BLE001 - still running at the end (or stopped): fine
                return

    threads = [threading.Thread(target=client, args=(i,), daemon=True)
               for i in range(sessions)]
    try:
        for t in threads:
            t.start()
        time.sleep(max(0.0, stop_at - time.monotonic()))
        served = [sum(len(s.token_ids) for h in list(mine) for s in h.samples)
                  for mine in handles]
        for mine in handles:
            for h in mine:
                h.cancel()
        for t in threads:
            t.join(timeout=60)
    finally:
        service.close()
    low, high = min(served), max(served)
    return {"scheduler": scheduler, "sessions": sessions, "seconds": seconds,
            "tokens_min": low, "tokens_median": statistics.median(served),
            "tokens_max": high, "max_over_min": round(high / low, 2) if low else None}


def run_fairness(loaded, rows: int = 16, tokens: int = 256, sessions: int = 30,
                 seconds: float = 20.0, progress=lambda _m: None, wait_s: float = 120.0) -> dict:
    out = {"model": loaded.name, "rows": rows, "tokens": tokens, "wait_s": wait_s,
           "newcomer": {}, "spread": {}}
    for scheduler in ("fifo", "fair"):
        progress(f"{scheduler}: three participants at {rows} x {tokens}, then a newcomer…")
        out["newcomer"][scheduler] = newcomer(loaded, scheduler, rows, tokens, wait_s=wait_s)
    for scheduler in ("fifo", "fair"):
        progress(f"{scheduler}: {sessions} participants for {seconds:.0f} s…")
        out["spread"][scheduler] = spread(loaded, scheduler, sessions, seconds)
    return out
