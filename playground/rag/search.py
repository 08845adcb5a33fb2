"""Web search behind a small provider interface, with failures a participant understands.

Two providers return the same ``Source`` list:
- ``langchain``: langchain-community's ``DuckDuckGoSearchResults(output_format="list")`` over
  its ``DuckDuckGoSearchAPIWrapper`` (what the tutorial uses);
- ``ddgs``: the ``ddgs`` package directly (langchain-community is being sunset).

ddgs reports a rate limit and "no results" the same way (``DDGSException``; newer versions
sometimes raise the ``RatelimitException``/``TimeoutException`` subclasses), and wraps network
failures in it too. ``classify`` turns all of these into ``SearchError`` subclasses.
``fetch`` retries the transient ones with exponential backoff and jitter, always inside one
time budget, so a machine with no web answers within seconds.

Package ``playground.rag``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import re
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Protocol

from tenacity import (Retrying, retry_if_exception_type, stop_after_attempt, stop_before_delay,
                      wait_random_exponential)

from playground.errors import (SearchError, SearchLimitedError, SearchRateLimitedError,
                               SearchTimeoutError, SearchUnavailableError, SettingsError)
from playground.rag.sources import Source, host, safe_url
from playground.serving.settings import Range


# The tutorial installs duckduckgo-search; that package was renamed ddgs, and
# langchain-community 0.4 imports ddgs. Shown on the RAG page and in README.
PACKAGE_NOTE = ("Web search uses the ddgs package, the new name of duckduckgo-search (which the "
                "tutorial's pip install names): langchain-community 0.4 imports ddgs, so "
                "`pip install duckduckgo-search` alone no longer makes search work; "
                "`pip install ddgs` does.")
PROVIDERS = ("langchain", "ddgs")
# the wrapper's own default is "y" (past year); "any" means no time limit at all
TIME_RANGES = {"any": None, "d": "d", "w": "w", "m": "m", "y": "y"}
TIME_LABELS = {"any": "any time", "d": "past day", "w": "past week", "m": "past month",
               "y": "past year"}
REGIONS = {"wt-wt": "no region", "us-en": "United States", "uk-en": "United Kingdom",
           "jp-jp": "Japan", "de-de": "Germany", "fr-fr": "France", "es-es": "Spain",
           "cn-zh": "China", "kr-kr": "Korea", "in-en": "India"}
MAX_RESULTS = Range(1, 10, step=1, help="How many search results to retrieve (1 to 10).")
SNIPPET_CHARS = 1200  # one result's snippet is cut here; snippets are normally ~200 chars

UNAVAILABLE = ("search is unavailable from this machine: the search engine cannot be reached "
               "(no internet connection, or it is blocked here). Answer without web context, "
               "or use local documents.")
NO_RESULTS = ("no results — or the search engine is limiting this room; try again in a minute, "
              "or answer without web context.")
RATE_LIMITED = ("the search engine is limiting this room (too many searches from one network "
                "address); try again in a minute, or answer without web context.")
TIMED_OUT = ("the search engine did not answer within {s:g} s; try again in a minute, or "
             "answer without web context.")


@dataclass(frozen=True)
class SearchOptions:
    """What a search asks for; part of the cache key.

    region: a DuckDuckGo region code (``REGIONS``; "wt-wt" = none).
    time: "any", "d", "w", "m" or "y" (past day ... year).
    max_results: [1, 10] results.
    """

    region: str = "wt-wt"
    time: str = "any"
    max_results: int = 5

    def __post_init__(self) -> None:
        problems = []
        if not re.fullmatch(r"[a-z]{2}-[a-z]{2}", str(self.region)):
            problems.append(f"region must look like us-en or wt-wt, got {self.region!r}")
        if self.time not in TIME_RANGES:
            problems.append(f"time must be one of {', '.join(TIME_RANGES)}, got {self.time!r}")
        if isinstance(self.max_results, bool) or not isinstance(self.max_results, int) or \
                not MAX_RESULTS.contains(self.max_results):
            problems.append(f"max_results must be in {MAX_RESULTS.describe()}, "
                            f"got {self.max_results!r}")
        if problems:
            raise SettingsError(problems)


class SearchProvider(Protocol):
    name: str

    def search(self, query: str, options: SearchOptions, timeout_s: float) -> list[Source]:
        """Results for ``query``; raises whatever the library raises (``classify`` maps it)."""


def _source(title: object, url: object, snippet: object) -> Source | None:
    text = " ".join(str(snippet or "").split())[:SNIPPET_CHARS]
    link = safe_url(url)
    if not text and not title:
        return None
    return Source(title=" ".join(str(title or host(link) or "untitled").split()), url=link,
                  snippet=text, origin="web", location=host(link))


class LangchainProvider:
    """langchain-community's DuckDuckGo tool, list output (keys: snippet, title, link)."""

    name = "langchain"

    def __init__(self, backend: str = "auto", safesearch: str = "moderate"):
        self.backend, self.safesearch = backend, safesearch
        # imported here, outside the search's time budget: the first import takes seconds
        with warnings.catch_warnings():  # "langchain-community is being sunset": we know
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.tools import DuckDuckGoSearchResults
            from langchain_community.utilities import DuckDuckGoSearchAPIWrapper
        self._tool, self._wrapper = DuckDuckGoSearchResults, DuckDuckGoSearchAPIWrapper

    def search(self, query: str, options: SearchOptions, timeout_s: float) -> list[Source]:
        wrapper = self._wrapper(
            region=options.region, time=TIME_RANGES[options.time], safesearch=self.safesearch,
            max_results=options.max_results, backend=self.backend)
        tool = self._tool(api_wrapper=wrapper, num_results=options.max_results,
                          output_format="list")
        items = tool.invoke(query)
        return [s for s in (_source(i.get("title"), i.get("link"), i.get("snippet"))
                            for i in items if isinstance(i, dict)) if s]


class DdgsProvider:
    """The ddgs package directly (keys: title, href, body)."""

    name = "ddgs"

    def __init__(self, backend: str = "auto", safesearch: str = "moderate"):
        self.backend, self.safesearch = backend, safesearch
        import ddgs  # noqa: F401 - imported outside the search's time budget

    def search(self, query: str, options: SearchOptions, timeout_s: float) -> list[Source]:
        from ddgs import DDGS

        items = DDGS(timeout=max(1, int(timeout_s))).text(
            query, region=options.region, safesearch=self.safesearch,
            timelimit=TIME_RANGES[options.time], max_results=options.max_results,
            backend=self.backend)
        return [s for s in (_source(i.get("title"), i.get("href"), i.get("body"))
                            for i in items or [] if isinstance(i, dict)) if s]


def make_provider(name: str) -> SearchProvider:
    if name == "langchain":
        return LangchainProvider()
    if name == "ddgs":
        return DdgsProvider()
    raise SettingsError([f"search provider must be one of {', '.join(PROVIDERS)}, got {name!r}"])


_NETWORK = re.compile(r"dns|connect|connection|network|unreachable|resolv|os error|"
                      r"error sending request|proxy|ssl|tls|certificate|no route", re.I)
_RATE = re.compile(r"ratelimit|rate limit|\b202\b|\b429\b|too many requests", re.I)
_TIMEOUT = re.compile(r"timed out|timeout", re.I)


def classify(err: BaseException, timeout_s: float = 0) -> SearchError:
    """The participant-facing error for whatever a provider raised."""
    if isinstance(err, SearchError):
        return err
    try:
        from ddgs.exceptions import RatelimitException, TimeoutException
    except ImportError:  # pragma: no cover - ddgs is a pinned dependency
        RatelimitException = TimeoutException = ()  # noqa: N806
    text = f"{type(err).__name__}: {err}"
    if isinstance(err, RatelimitException) or _RATE.search(text):
        return SearchRateLimitedError(RATE_LIMITED, key="errors.search_rate_limited")
    if isinstance(err, (TimeoutException, TimeoutError)) or _TIMEOUT.search(text):
        return SearchTimeoutError(TIMED_OUT.format(s=timeout_s), key="errors.search_timed_out",
                                  params={"s": timeout_s})
    if isinstance(err, (ConnectionError, OSError)) or _NETWORK.search(text):
        return SearchUnavailableError(UNAVAILABLE, key="errors.search_unavailable")
    if "no results" in text.lower() or type(err).__name__ == "DDGSException":
        return SearchLimitedError(NO_RESULTS, key="errors.search_no_results")
    # anything else is the library misbehaving; the participant still gets a clear sentence
    return SearchUnavailableError(f"search failed ({type(err).__name__}); answer without web "
                                  f"context or use local documents.", key="errors.search_failed",
                                  params={"kind": type(err).__name__})


def _within(fn: Callable[[], list[Source]], seconds: float) -> list[Source]:
    """Run ``fn`` in a helper thread and give up after ``seconds`` (the library's own timeouts
    apply per request; this bounds the whole call). A call given up on finishes unseen."""
    box: dict = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed to the caller below
            box["error"] = err
        finally:
            done.set()

    threading.Thread(target=target, daemon=True, name="search-attempt").start()
    if not done.wait(max(0.05, seconds)):
        raise TimeoutError(f"no answer within {seconds:.1f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def fetch(provider: SearchProvider, query: str, options: SearchOptions,
          budget_s: float = 4.0, attempts: int = 3,
          sleep: Callable[[float], None] = time.sleep) -> list[Source]:
    """Search once, retrying rate limits, timeouts and empty answers with exponential backoff
    and jitter; everything (waits included) ends within ``budget_s`` seconds.

    "Unreachable" is not retried: on a machine with no web it will not change in a second.
    Raises a ``SearchError`` subclass; returns at least one result.
    """
    start = time.monotonic()

    def attempt() -> list[Source]:
        left = budget_s - (time.monotonic() - start)
        try:
            results = _within(lambda: provider.search(query, options, left), left)
        except Exception as err:  # noqa: BLE001 - every library failure gets classified
            raise classify(err, budget_s) from err
        if not results:
            raise SearchLimitedError(NO_RESULTS, key="errors.search_no_results")
        return results[:options.max_results]

    retrying = Retrying(
        retry=retry_if_exception_type((SearchLimitedError, SearchTimeoutError)),
        stop=stop_after_attempt(attempts) | stop_before_delay(budget_s * 0.8),
        wait=wait_random_exponential(multiplier=0.25, max=1.5),
        sleep=sleep, reraise=True)
    return retrying(attempt)
