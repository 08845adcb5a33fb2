"""Measure the room's broadcast against a running server, in real Chromium tabs.

    python scripts/measure_room.py --url http://127.0.0.1:8731 --pid SERVER_PID \
        --db ROOM_SQLITE_OF_THAT_SERVER --tabs 10 --idle-tabs 30 --idle-s 60

1. latency: ``--tabs`` participant tabs on different pages; a step is shared (written to the
   server's room database, as the instructor's "Share this step" does); prints the seconds until
   each tab shows its note, without any click or reload (min / median / max).
2. idle cost: ``--idle-tabs`` tabs stay open and idle for ``--idle-s`` seconds; prints the
   server process's CPU time over that window (psutil, user + system, children included) as a
   share of one core, next to the same window with no tab open.

Needs the test dependencies (playwright, Debian's chromium). Not part of the test suite: the
figures depend on the machine; README ("The room") quotes them.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.room import broadcast  # noqa: E402
from playground.room.links import encode_link  # noqa: E402
from playground.room.store import RoomStore  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding"]
PAGES = ["", "sampling_toy", "prompt_lab", "chat_template", "tokenizer_model", "sampling_sweep",
         "quantization", "rag", "persona_chat", "sampling_lens"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def cpu_seconds(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


async def open_tabs(browser, url: str, n: int) -> list:
    pages = []
    for i in range(n):  # one at a time: a first run of a page costs far more than idling
        ctx = await browser.new_context(viewport={"width": 1200, "height": 900})
        page = await ctx.new_page()
        await page.goto(f"{url}/{PAGES[i % len(PAGES)]}", wait_until="commit",
                        timeout=300_000)
        await page.wait_for_selector(IDLE, timeout=300_000)
        pages.append(page)
        print(f"  tab {i + 1}/{n} open", file=sys.stderr, flush=True)
    return pages


async def latency(browser, url: str, db: str, n: int) -> list[float]:
    pages = await open_tabs(browser, url, n)
    await asyncio.sleep(3)  # every tab's banner fragment is ticking
    note = f"measured step {time.time():.0f}"
    start = time.monotonic()
    broadcast.publish(RoomStore(db), encode_link("compare", {"seed": 3}), note)

    async def seen(page) -> float:
        await page.get_by_text(note).wait_for(timeout=60_000)
        return time.monotonic() - start

    times = await asyncio.gather(*(seen(p) for p in pages))
    for page in pages:
        await page.context.close()
    return list(times)


async def idle_cost(browser, url: str, proc: psutil.Process, n: int, seconds: float):
    before = cpu_seconds(proc)
    await asyncio.sleep(seconds)
    empty = (cpu_seconds(proc) - before) / seconds
    pages = await open_tabs(browser, url, n)
    await asyncio.sleep(10)  # past the first runs
    before = cpu_seconds(proc)
    await asyncio.sleep(seconds)
    busy = (cpu_seconds(proc) - before) / seconds
    rss = proc.memory_info().rss / 2**20
    for page in pages:
        await page.context.close()
    return empty, busy, rss


async def main() -> None:
    from playwright.async_api import async_playwright

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--pid", type=int, required=True, help="the streamlit server's process id")
    ap.add_argument("--db", required=True, help="the server's room database file")
    ap.add_argument("--tabs", type=int, default=10)
    ap.add_argument("--idle-tabs", type=int, default=30)
    ap.add_argument("--idle-s", type=float, default=60)
    args = ap.parse_args()
    proc = psutil.Process(args.pid)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        times = await latency(browser, args.url, args.db, args.tabs)
        print(flush=True)
        print(f"broadcast -> {args.tabs} tabs: min {min(times):.2f} s, median "
              f"{statistics.median(times):.2f} s, max {max(times):.2f} s", flush=True)
        if args.idle_tabs:
            empty, busy, rss = await idle_cost(browser, args.url, proc, args.idle_tabs,
                                               args.idle_s)
            print(f"server CPU over {args.idle_s:.0f} s: no tab {empty:.1%} of one core; "
                  f"{args.idle_tabs} idle tabs {busy:.1%} of one core "
                  f"({(busy - empty) / args.idle_tabs:.2%} per tab); RSS {rss:,.0f} MB")
        await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
