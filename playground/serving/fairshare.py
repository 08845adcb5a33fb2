"""A fair share of the server for each participant: tokens per minute and waiting requests.

A request's ``session`` key is ``"<browser session id>/<page>"`` (``ui.widgets.session_key``);
the part before the slash is the participant. One ``SessionLedger`` per server process counts,
for every participant and across every model, the tokens generated in the last minute and the
requests not finished yet. ``check`` refuses a new request when either is over its budget, with
a message saying when to try again; other participants are not affected. A request already
running is never cut: the budget decides whether the next one may start.

The ledger also answers the Admin page: who is active (page, requests, tokens in the last
minute) and "stop this participant's requests". Only browser tabs are budgeted (the UI
announces them with ``touch``); requests of the CLI, tests and the instructor's tools (the
rehearsal's simulated sessions) are counted and listed, never refused.

Most pages submit without a ``session`` key (only Generate's requests replace each other).
The UI names the participant of the current script run with ``acting_for`` (a context
variable, so it follows the page's own thread and no other), and the services budget every
request submitted from that run under that name.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass, field

from playground.errors import OverBudgetError

WINDOW_S = 60.0      # the budget's window: tokens per minute
IDLE_S = 15 * 60.0   # a participant with nothing running and no sign of life for this long leaves


_acting: ContextVar[str | None] = ContextVar("playground_participant", default=None)


def acting_for(session_key: str | None) -> None:
    """Requests submitted from this thread from now on are ``session_key``'s
    (``"<session id>/<page>"``), unless they carry a ``session`` of their own."""
    _acting.set(session_key)


def who(request) -> str | None:
    """The participant a request is budgeted to: its ``session``, else the acting one."""
    return request.session or _acting.get()


def participant(session_key: str | None) -> tuple[str, str]:
    """``"abc123/generate"`` -> ``("abc123", "generate")``; None -> ``("", "")``."""
    if not session_key:
        return "", ""
    sid, _, page = session_key.partition("/")
    return sid, page


@dataclass
class _Participant:
    page: str = ""
    name: str = ""
    last_seen: float = 0.0
    tokens: deque = field(default_factory=deque)  # time of each generated token
    handles: "weakref.WeakSet" = field(default_factory=weakref.WeakSet)
    requests: int = 0  # submitted since the server started
    browser: bool = False  # a browser tab (announced by ``touch``): budgeted, may disconnect


class SessionLedger:
    """Per-participant budgets; thread-safe. ``tokens_per_minute`` / ``max_waiting``: 0 = off."""

    def __init__(self, tokens_per_minute: int = 0, max_waiting: int = 0,
                 window_s: float = WINDOW_S, idle_s: float = IDLE_S, clock=time.monotonic):
        self.tokens_per_minute = int(tokens_per_minute)
        self.max_waiting = int(max_waiting)
        self.window_s, self.idle_s, self.clock = window_s, idle_s, clock
        self._people: dict[str, _Participant] = {}
        self._lock = threading.Lock()

    # -- what services call ----------------------------------------------------------------
    def check(self, session_key: str | None) -> None:
        """Raise ``OverBudgetError`` if this participant may not start a request now."""
        sid, _ = participant(session_key)
        if not sid:
            return
        with self._lock:
            p = self._people.get(sid)
            if p is None or not p.browser:
                return
            now = self.clock()
            self._expire(p, now)
            if self.tokens_per_minute and len(p.tokens) >= self.tokens_per_minute:
                # the budget frees up as the oldest tokens leave the window
                over = len(p.tokens) - self.tokens_per_minute
                wait = max(1.0, p.tokens[over] + self.window_s - now)
                raise OverBudgetError(
                    f"you have used your share of the server for now ({self.tokens_per_minute} "
                    f"generated tokens per minute, so that everyone in the room gets a turn); "
                    f"try again in {wait:.0f} s", retry_after_s=wait,
                    key="errors.over_budget_tokens",
                    params={"tokens": self.tokens_per_minute, "wait": f"{wait:.0f}"})
            if self.max_waiting:
                # a request from the same page is replaced by this one, so it does not count
                waiting = [h for h in list(p.handles) if not h.done
                           and h.request.session != session_key]
                if len(waiting) >= self.max_waiting:
                    raise OverBudgetError(
                        f"you already have {len(waiting)} request(s) waiting or running (at "
                        f"most {self.max_waiting} per participant); try again when one of "
                        f"them has finished, or stop it", key="errors.over_budget_waiting",
                        params={"n": len(waiting), "most": self.max_waiting})

    def register(self, handle) -> None:
        """A request of ``handle.participant`` (see ``who``) was queued."""
        sid, page = participant(getattr(handle, "participant", None) or handle.request.session)
        if not sid:
            return
        with self._lock:
            p = self._people.setdefault(sid, _Participant())
            p.handles.add(handle)
            p.page, p.last_seen = page or p.page, self.clock()
            p.requests += 1

    def count_token(self, session_key: str | None) -> None:
        sid, _ = participant(session_key)
        if not sid:
            return
        with self._lock:
            p = self._people.setdefault(sid, _Participant())
            p.tokens.append(self.clock())

    # -- what pages and the Admin page call ------------------------------------------------
    def touch(self, session_id: str, page: str | None = None, name: str | None = None) -> None:
        """The participant's tab is open on ``page`` (and chose the display name ``name``)."""
        if not session_id:
            return
        with self._lock:
            p = self._people.setdefault(session_id, _Participant())
            p.last_seen, p.browser = self.clock(), True
            if page:
                p.page = page
            if name is not None:
                p.name = name

    def sessions(self, alive=None) -> list[dict]:
        """Active participants, most tokens first: ``alive(session_id) -> bool`` (e.g. the
        Streamlit runtime's own view) drops closed browser tabs at once; otherwise a
        participant leaves after ``idle_s`` with nothing running."""
        now = self.clock()
        rows = []
        with self._lock:
            for sid, p in list(self._people.items()):
                self._expire(p, now)
                running = [h for h in list(p.handles) if not h.done]
                gone = (alive is not None and p.browser and not alive(sid)) or (
                    not running and now - p.last_seen > self.idle_s)
                if gone:
                    for h in running:  # a closed tab's requests stop with it
                        h.cancel()
                    del self._people[sid]
                    continue
                rows.append({"id": sid[:8], "session": sid, "name": p.name, "page": p.page,
                             "running requests": len(running), "requests": p.requests,
                             "tokens (last min)": len(p.tokens)})
        return sorted(rows, key=lambda r: (-r["tokens (last min)"], r["id"]))

    def stop(self, session_id: str) -> int:
        """Cancel every request of this participant; returns how many were stopped."""
        with self._lock:
            p = self._people.get(session_id)
            handles = [h for h in list(p.handles) if not h.done] if p else []
        for h in handles:
            h.cancel()
        return len(handles)

    def tokens_last_minute(self, session_id: str) -> int:
        with self._lock:
            p = self._people.get(session_id)
            if p is None:
                return 0
            self._expire(p, self.clock())
            return len(p.tokens)

    def _expire(self, p: _Participant, now: float) -> None:
        while p.tokens and p.tokens[0] <= now - self.window_s:
            p.tokens.popleft()


_ledger: SessionLedger | None = None
_ledger_lock = threading.Lock()


def session_ledger() -> SessionLedger:
    """The process-wide ledger, with ``[room] tokens_per_minute`` and ``max_waiting``."""
    global _ledger
    with _ledger_lock:
        if _ledger is None:
            from playground.config import load_config

            room = load_config().room
            _ledger = SessionLedger(room.tokens_per_minute, room.max_waiting)
        return _ledger
