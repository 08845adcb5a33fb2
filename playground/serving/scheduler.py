"""Who gets the batch's row slots: a fair share per participant, ordered by served tokens.

First come, first served, whole requests, lets whoever fills the slots first keep everyone
else out: three tabs at the pages' limits kept a fourth participant's small request waiting
for minutes. Here the slots are shared among the participants who have work, at every step
boundary:

- Each participant has a **virtual token counter** (Sheng et al., "Fairness in Serving Large
  Language Models", OSDI 2024): it grows by one for every token served to them. A participant
  who gets work after having none is lifted to the smallest counter among those with work, so
  idling earns no credit.
- **Shares**: the ``max_rows`` slots are divided max-min fairly among the participants with
  work (nobody gets more than they asked for; what one does not need goes to the others), one
  slot at a time to whoever has fewest so far; on a tie the least served (by counter, in
  steps of ``quantum`` tokens, so shares rotate when there are more participants than slots
  but do not flap with every token).
- **Grants**: free slots go to participants below their share, the smallest counter first;
  slots left over go to anyone still waiting, the smallest counter first (no slot stays idle
  while someone waits).
- **Parks**: if someone below their share waits and no slot is free, rows of the participants
  furthest above their share (the largest counter first) are parked, at most ``park_per_step``
  rows a step: a parked row keeps its state and comes back exactly where it was
  (``playground.serving.engine``), so its text does not change.

Pure bookkeeping, no tensors and no locks: ``GenerationService`` calls it under its own lock.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCHEDULERS = ("fair", "fifo")


@dataclass
class Plan:
    grants: list[str] = field(default_factory=list)       # one entry per slot granted
    parks: dict[str, int] = field(default_factory=dict)   # participant -> rows to park
    shares: dict[str, int] = field(default_factory=dict)  # participant -> fair share of slots


class FairScheduler:
    """Virtual token counters and the per-step plan of grants and parks."""

    def __init__(self, max_rows: int, park_per_step: int = 4, quantum: int = 32):
        if max_rows < 1 or park_per_step < 0 or quantum < 1:
            raise ValueError("max_rows and quantum must be >= 1 and park_per_step >= 0")
        self.max_rows = max_rows
        self.park_per_step = park_per_step
        self.quantum = quantum
        self.counters: dict[str, float] = {}
        self._active: set[str] = set()

    def served(self, participant: str, tokens: float = 1.0) -> None:
        """``tokens`` were generated for ``participant``."""
        self.counters[participant] = self.counters.get(participant, 0.0) + tokens

    def _lift(self, with_work: set[str]) -> None:
        """Participants who now have work and had none start at the smallest active counter."""
        before = self._active & with_work
        floor = min((self.counters.get(p, 0.0) for p in before), default=None)
        for p in sorted(with_work - self._active):
            if floor is not None:
                self.counters[p] = max(self.counters.get(p, 0.0), floor)
            else:
                self.counters.setdefault(p, 0.0)
        self._active = set(with_work)

    def shares(self, demand: dict[str, int]) -> dict[str, int]:
        """Max-min fair split of ``max_rows`` slots for ``demand`` (participant -> rows)."""
        share = {p: 0 for p in demand}
        left = self.max_rows
        while left > 0:
            open_ = [p for p in demand if share[p] < demand[p]]
            if not open_:
                break
            # ties: the least served first, their counters counted in steps of ``quantum``
            # tokens, so that with more participants than slots the slots rotate, but a share
            # does not follow every token (that would park and resume rows back and forth)
            p = min(open_, key=lambda q: (share[q], int(self.counters.get(q, 0.0)
                                                        // self.quantum), q))
            share[p] += 1
            left -= 1
        return share

    def plan(self, running: dict[str, int], waiting: dict[str, int], free: int) -> Plan:
        """Grants and parks for this step boundary.

        running: participant -> rows in the batch now; waiting: participant -> rows not yet in
        it (new or parked); free: slots free now (``max_rows`` minus the running rows, fewer
        if another limit binds).
        """
        demand = {p: running.get(p, 0) + waiting.get(p, 0)
                  for p in set(running) | set(waiting) if running.get(p, 0) + waiting.get(p, 0)}
        self._lift(set(demand))
        share = self.shares(demand)
        counter = self.counters.get
        # who is owed slots now, and how many
        owed = {p: min(waiting.get(p, 0), share[p] - running.get(p, 0)) for p in demand}
        owed = {p: n for p, n in owed.items() if n > 0}
        parks: dict[str, int] = {}
        shortfall = sum(owed.values()) - free
        if shortfall > 0:
            over = {p: running.get(p, 0) - share[p] for p in demand
                    if running.get(p, 0) > share[p]}
            for _ in range(min(shortfall, self.park_per_step)):
                if not over:
                    break
                p = max(over, key=lambda q: (over[q], counter(q, 0.0), q))
                parks[p] = parks.get(p, 0) + 1
                over[p] -= 1
                if over[p] == 0:
                    del over[p]
        slots = free + sum(parks.values())
        grants: list[str] = []
        given = {p: 0 for p in demand}
        while slots > 0 and any(given[p] < owed.get(p, 0) for p in owed):
            p = min((q for q in owed if given[q] < owed[q]),
                    key=lambda q: (running.get(q, 0) + given[q], counter(q, 0.0), q))
            grants.append(p)
            given[p] += 1
            slots -= 1
        # leftovers: anyone still waiting (their share is met; no slot stays idle)
        while slots > 0 and not parks:
            rest = [q for q in demand if given[q] < waiting.get(q, 0)]
            if not rest:
                break
            p = min(rest, key=lambda q: (counter(q, 0.0), running.get(q, 0) + given[q], q))
            grants.append(p)
            given[p] += 1
            slots -= 1
        return Plan(grants=grants, parks=parks, shares=share)
