"""The one door every session's web search goes through (one per server process).

A workshop room shares one outgoing address, and DuckDuckGo limits an address after a few
quick queries. So the gate:
- caches results per (provider, query, options) for ``cache_ttl_s`` seconds, for everyone;
- sends at most one search at a time, at least ``min_interval_s`` apart;
- re-checks the cache after waiting its turn, so 40 tabs asking the same question at once
  cause one search;
- after "unreachable" or a rate limit, answers every search with that error for
  ``cooldown_s`` seconds instead of asking again (which would only prolong the block); a
  failed query is remembered for the same time.

Package ``playground.rag``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from playground.config import SearchConfig, load_config
from playground.errors import (PromptError, SearchError, SearchRateLimitedError,
                               SearchUnavailableError)
from playground.rag.search import SearchOptions, SearchProvider, fetch, make_provider
from playground.rag.sources import Source


@dataclass(frozen=True)
class SearchOutcome:
    sources: list[Source]
    cached: bool        # served from the cache: no request left this server
    waited_s: float     # time spent waiting for other sessions' searches
    elapsed_s: float    # the whole call


def normalize_query(query: str) -> str:
    return " ".join(query.split()).casefold()


class SearchGate:
    """Thread-safe cache + one-at-a-time queue + cooldown. Shared by all sessions."""

    def __init__(self, cache_ttl_s: float = 600, min_interval_s: float = 1.0,
                 cooldown_s: float = 30, max_entries: int = 512,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.cache_ttl_s, self.min_interval_s, self.cooldown_s = (
            cache_ttl_s, min_interval_s, cooldown_s)
        self.max_entries = max_entries
        self._clock, self._sleep = clock, sleep
        self._turn = threading.Lock()       # held while one search is being sent
        self._lock = threading.Lock()       # guards the fields below (held only briefly)
        self._cache: OrderedDict[tuple, tuple[float, list[Source] | SearchError]] = OrderedDict()
        self._last_sent: float | None = None
        self._blocked_until = 0.0
        self._block_error: SearchError | None = None
        self.provider_calls = 0  # searches actually sent (the doctor/tests read it)

    def _cached(self, key: tuple) -> list[Source] | SearchError | None:
        with self._lock:
            now = self._clock()
            entry = self._cache.get(key)
            if entry is not None and entry[0] > now:
                return entry[1]
            if entry is not None:
                del self._cache[key]
            if self._block_error is not None and self._blocked_until > now:
                left = self._blocked_until - now
                return type(self._block_error)(
                    f"{self._block_error} (The playground pauses web searches for another "
                    f"{left:.0f} s.)")
            return None

    def _store(self, key: tuple, value: list[Source] | SearchError, ttl: float) -> None:
        with self._lock:
            self._cache[key] = (self._clock() + ttl, value)
            self._cache.move_to_end(key)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)

    def search(self, provider: SearchProvider, query: str, options: SearchOptions,
               budget_s: float = 4.0) -> SearchOutcome:
        """Results for ``query`` from the cache or (one at a time) from ``provider``.

        Raises a ``SearchError`` subclass with the participant's message.
        """
        query = " ".join(query.split())
        if not query:
            raise PromptError("type a question or search words first", key="errors.no_question")
        key = (provider.name, normalize_query(query), options)
        start = self._clock()
        hit = self._cached(key)
        if hit is None:
            with self._turn:
                waited = self._clock() - start
                hit = self._cached(key)  # someone may have fetched it while we waited
                if hit is None:
                    return self._send(provider, key, query, options, budget_s, start, waited)
        else:
            waited = 0.0
        if isinstance(hit, SearchError):
            raise type(hit)(str(hit))  # a fresh exception per session, same message
        return SearchOutcome(list(hit), True, waited, self._clock() - start)

    def _send(self, provider, key, query, options, budget_s, start, waited) -> SearchOutcome:
        """Called holding ``_turn``: keep the interval, send, remember the outcome."""
        if self._last_sent is not None:
            pause = self._last_sent + self.min_interval_s - self._clock()
            if pause > 0:
                self._sleep(pause)
        self.provider_calls += 1
        try:
            sources = fetch(provider, query, options, budget_s=budget_s, sleep=self._sleep)
        except SearchError as err:
            self._last_sent = self._clock()
            self._store(key, err, min(self.cooldown_s, self.cache_ttl_s))
            if isinstance(err, (SearchUnavailableError, SearchRateLimitedError)):
                with self._lock:
                    self._blocked_until = self._clock() + self.cooldown_s
                    self._block_error = err
            raise
        self._last_sent = self._clock()
        with self._lock:
            self._block_error = None  # it works again: lift any pause
        self._store(key, sources, self.cache_ttl_s)
        return SearchOutcome(list(sources), False, waited, self._clock() - start)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._block_error, self._blocked_until = None, 0.0


_gate: SearchGate | None = None
_gate_lock = threading.Lock()


def default_gate(config: SearchConfig | None = None) -> SearchGate:
    """The process-wide gate (every Streamlit session of this server shares it)."""
    global _gate
    with _gate_lock:
        if _gate is None:
            c = config or load_config().search
            _gate = SearchGate(c.cache_ttl_s, c.min_interval_s, c.cooldown_s)
        return _gate


_providers: dict[str, SearchProvider] = {}


def shared_provider(name: str) -> SearchProvider:
    """One provider object per name for the process (its library is imported once, early)."""
    with _gate_lock:
        if name not in _providers:
            _providers[name] = make_provider(name)
        return _providers[name]


def web_search(query: str, options: SearchOptions | None = None,
               config: SearchConfig | None = None, provider: SearchProvider | None = None,
               gate: SearchGate | None = None) -> SearchOutcome:
    """Search the web the way the page and the CLI do: configured provider, shared gate."""
    config = config or load_config().search
    options = options or SearchOptions(config.region, config.time, config.max_results)
    provider = provider or shared_provider(config.provider)
    return (gate or default_gate(config)).search(provider, query, options, config.timeout_s)
