"""The fair admission of rows into a service's batch (``[service] scheduler = "fair"``).

At every step boundary the engine asks the service which rows join and which running rows
step aside (``engine.run_batch``'s ``admit``). ``FairAdmission._admit_fair`` answers with the
plan of ``playground.serving.scheduler.FairScheduler``: a request's rows enter one slot at a
time, as the participant's share allows, so a request of 16 samples need not take 16 slots at
once while others wait, and a newcomer gets a slot within a step however long the running
rows are (a few rows of whoever holds more than their share are parked for it, and come back
exactly where they were).

A mixin of ``GenerationService`` (it uses the service's lock, queues and row factory), kept
apart so the service's module holds one job.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import time
from collections import Counter, deque

from playground.errors import ServiceBusyError
from playground.serving.fairshare import participant


class FairAdmission:
    """What ``GenerationService`` adds for the fair scheduler (see the module's docstring)."""

    def _admit_fair(self, running: int) -> tuple[list, list]:
        with self._cond:
            self._drop_stale_pending()
            self._start_cancelled_handles_finish()
            # the batch emptied: parked rows come back first (the engine must not end with
            # rows parked, and nothing else runs to give them a slot back later)
            joining = self._take_parked() if running == 0 else []
            owner = {rid: who_of(h) for rid, (_row, h) in self._in_batch.items()}
            run_by = Counter(owner.values())
            wait_by: Counter = Counter()
            for h in self._started:
                wait_by[who_of(h)] += len(h._waiting)
            for h in self._pending:
                wait_by[who_of(h)] += len(h.samples)
            free = max(0, self.max_batch_rows - len(self._in_batch))
            plan = self._sched.plan(dict(run_by), dict(wait_by), free)
            park = self._park(plan.parks)
            for participant in plan.grants:
                row = self._next_row(participant)
                if row is None:
                    continue
                handle = self._row_handle[id(row)]
                cost = self._budget_tokens(handle)
                if self._in_batch and self._running_tokens + cost > self.config.max_batch_tokens:
                    self._waiting_front(handle, row)
                    break
                self._in_batch[id(row)] = (row, handle)
                self._parked.discard(id(row))
                self._running_rows += 1
                self._running_tokens += cost
                joining.append(row)
            self._started = [h for h in self._started if h._waiting]
        return joining, park

    # -- helpers, all called with the service's lock held ---------------------------------
    def _drop_stale_pending(self) -> None:
        """Cancelled or too-old requests that never started leave the queue."""
        for h in list(self._pending):
            if h.cancelled:
                self._pending.remove(h)
                h._finish(None)
            elif time.perf_counter() - h.submitted_at > self.config.request_timeout_s:
                self._pending.remove(h)
                h._finish(ServiceBusyError("the server was too busy to start your request "
                                           "in time; try again"))

    def _start_cancelled_handles_finish(self) -> None:
        """A started request that was cancelled: its rows that never ran end now, unrun
        (parked rows must run once more: the engine holds their state, and they stop at
        their first step)."""
        for h in self._started:
            if not h.cancelled:
                continue
            for row in [r for r in h._waiting if id(r) not in self._parked]:
                h._waiting.remove(row)
                self._row_handle.pop(id(row), None)
                row.finish_reason = "stopped"
                self._finish_row(self._row_stream.pop(id(row)), row, ran=False)

    def _take_parked(self) -> list:
        out = []
        for h in self._started:
            for row in [r for r in h._waiting if id(r) in self._parked]:
                h._waiting.remove(row)
                self._in_batch[id(row)] = (row, h)
                self._parked.discard(id(row))
                self._running_rows += 1
                self._running_tokens += self._budget_tokens(h)
                out.append(row)
        return out

    def _park(self, parks: dict[str, int]) -> list:
        """Take ``parks[p]`` running rows of each participant out of the batch: the rows of
        their newest request first, its last samples first."""
        out = []
        for participant, n in parks.items():
            theirs = [(rid, row, h) for rid, (row, h) in self._in_batch.items()
                      if who_of(h) == participant]
            for rid, row, handle in reversed(theirs[-n:]):
                del self._in_batch[rid]
                self._parked.add(rid)
                self._running_rows -= 1
                self._running_tokens -= self._budget_tokens(handle)
                self._waiting_front(handle, row)
                self.parks += 1
                out.append(row)
        return out

    def _waiting_front(self, handle, row) -> None:
        handle._waiting.appendleft(row)
        if handle not in self._started:
            self._started.insert(0, handle)

    def _next_row(self, participant: str):
        """The participant's next row: from their oldest started request, else their oldest
        waiting request (prepared now: rendered and tokenized)."""
        for h in self._started:
            if who_of(h) == participant and h._waiting:
                return h._waiting.popleft()
        for h in list(self._pending):
            if who_of(h) != participant:
                continue
            self._pending.remove(h)
            if h.cancelled:
                h._finish(None)
                continue
            rows = self._rows_for(h)  # an error here ends that request only
            if not rows:
                continue
            self._running.add(h)
            for row in rows:
                self._row_handle[id(row)] = h
            h._waiting = deque(rows)
            self._started.append(h)
            return h._waiting.popleft()
        return None

    def shares(self) -> list[dict]:
        """Each participant with work: tokens served (the virtual counter), rows in the batch,
        rows waiting (new or parked), their fair share of the slots. For the Admin page."""
        with self._cond:
            run_by = Counter(who_of(h) for _row, h in self._in_batch.values())
            wait_by: Counter = Counter()
            for h in self._started:
                wait_by[who_of(h)] += len(h._waiting)
            for h in self._pending:
                wait_by[who_of(h)] += len(h.samples)
            demand = {p: run_by[p] + wait_by[p] for p in set(run_by) | set(wait_by)}
            share = self._sched.shares(demand)
            return [{"participant": p, "counter": round(self._sched.counters.get(p, 0.0), 1),
                     "running_rows": run_by[p], "waiting_rows": wait_by[p],
                     "share_rows": share.get(p, 0)}
                    for p in sorted(demand, key=lambda q: self._sched.counters.get(q, 0.0))]


def who_of(handle) -> str:
    """The participant a request is served for: the browser session, whatever page it came
    from ("" for the command line)."""
    return participant(handle.participant)[0]
