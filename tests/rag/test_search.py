"""Search providers and failure mapping, with ddgs made to fail or answer in-process (no web)."""

import time

import ddgs
import pytest
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

from playground.errors import (SearchLimitedError, SearchRateLimitedError, SearchTimeoutError,
                               SearchUnavailableError, SettingsError)
from playground.rag.search import (DdgsProvider, LangchainProvider, SearchOptions, classify,
                                   fetch, make_provider)
from playground.rag.sources import Source

PROVIDERS = [LangchainProvider, DdgsProvider]
DNS = ("DNSError: DNSError('error sending request for url (https://html.duckduckgo.com/html/) > "
       "error resolving DNS > DNS error: no records found')")
ROWS = [{"title": f"Result {i}", "href": f"https://example.org/{i}", "body": f"Snippet {i}."}
        for i in range(1, 6)]


def no_wait(_seconds):
    pass


class FakeDDGS:
    """Stands in for ddgs.DDGS: records each text() call, then answers or raises."""

    calls: list = []
    outcome: object = ROWS

    def __init__(self, *args, **kwargs):
        self.timeout = kwargs.get("timeout")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def text(self, query, **kwargs):
        FakeDDGS.calls.append((query, kwargs))
        if isinstance(FakeDDGS.outcome, BaseException):
            raise FakeDDGS.outcome
        return list(FakeDDGS.outcome)


@pytest.fixture
def fake_ddgs(monkeypatch):
    FakeDDGS.calls, FakeDDGS.outcome = [], ROWS
    monkeypatch.setattr(ddgs, "DDGS", FakeDDGS)
    return FakeDDGS


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_both_adapters_turn_real_shaped_rows_into_sources(fake_ddgs, provider):
    sources = fetch(provider(), "python", SearchOptions(max_results=5), sleep=no_wait)
    assert [s.title for s in sources] == [r["title"] for r in ROWS]
    assert [s.url for s in sources] == [r["href"] for r in ROWS]
    assert sources[2].snippet == "Snippet 3." and sources[0].location == "example.org"


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_options_reach_ddgs_and_any_time_means_no_limit(fake_ddgs, provider):
    fetch(provider(), "tea", SearchOptions(region="jp-jp", time="any", max_results=3),
          sleep=no_wait)
    fetch(provider(), "tea", SearchOptions(time="w"), sleep=no_wait)
    (_, any_time), (_, week) = fake_ddgs.calls
    assert any_time["timelimit"] is None and week["timelimit"] == "w"
    assert any_time["region"] == "jp-jp" and any_time["max_results"] == 3


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_unsafe_links_are_dropped_but_the_result_kept(fake_ddgs, provider):
    fake_ddgs.outcome = [{"title": "x", "href": "javascript:alert(1)", "body": "b"},
                         {"title": "y", "href": "data:text/html,hi", "body": "c"}]
    sources = fetch(provider(), "q", SearchOptions(), sleep=no_wait)
    assert [s.url for s in sources] == [None, None] and sources[0].snippet == "b"


FAILURES = [
    (DDGSException("No results found."), SearchLimitedError, "no results"),
    (RatelimitException("202 Ratelimit"), SearchRateLimitedError, "limiting this room"),
    (DDGSException("https://lite.duckduckgo.com/lite/ 202 Ratelimit"), SearchRateLimitedError,
     "limiting this room"),
    (TimeoutException("timed out"), SearchTimeoutError, "did not answer within"),
    (DDGSException(DNS), SearchUnavailableError, "search is unavailable from this machine"),
    (DDGSException("ConnectError: Connection refused (os error 111)"), SearchUnavailableError,
     "search is unavailable from this machine"),
]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
@pytest.mark.parametrize("raised,expected,words", FAILURES,
                         ids=["no-results", "ratelimit", "old-202", "timeout", "dns", "refused"])
def test_each_ddgs_failure_maps_to_a_participant_message(fake_ddgs, provider, raised, expected,
                                                         words):
    fake_ddgs.outcome = raised
    with pytest.raises(expected) as info:
        fetch(provider(), "python", SearchOptions(), budget_s=4.0, sleep=no_wait)
    assert words in str(info.value) and "Traceback" not in str(info.value)
    assert info.value.exit_code == 3
    transient = expected is not SearchUnavailableError
    assert len(fake_ddgs.calls) == (3 if transient else 1)  # unreachable is not retried


def test_an_empty_result_list_counts_as_no_results(fake_ddgs):
    fake_ddgs.outcome = []
    with pytest.raises(SearchLimitedError, match="no results"):
        fetch(DdgsProvider(), "zzzz", SearchOptions(), sleep=no_wait)


class Flaky:
    """A provider that fails ``failures`` times with ``error`` and then answers."""

    name = "flaky"

    def __init__(self, failures, error):
        self.failures, self.error, self.calls = failures, error, 0

    def search(self, query, options, timeout_s):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return [Source("ok", "https://example.org", "fine")]


def test_rate_limits_are_retried_with_bounded_jittered_backoff():
    waits = []
    provider = Flaky(2, RatelimitException("ratelimit"))
    sources = fetch(provider, "q", SearchOptions(), budget_s=4.0, sleep=waits.append)
    assert provider.calls == 3 and sources[0].title == "ok"
    assert len(waits) == 2 and all(0 <= w <= 1.5 for w in waits)


def test_a_hanging_search_gives_up_within_its_budget():
    class Hangs:
        name = "hangs"

        def search(self, query, options, timeout_s):
            time.sleep(30)

    start = time.monotonic()
    with pytest.raises(SearchTimeoutError):
        fetch(Hangs(), "q", SearchOptions(), budget_s=1.0)
    assert time.monotonic() - start < 2.0


@pytest.mark.parametrize("provider", ["langchain", "ddgs"])
def test_real_libraries_without_a_network_fail_fast_and_clearly(monkeypatch, provider):
    # every request goes to a local port that refuses connections: the offline path, for real
    monkeypatch.setenv("DDGS_PROXY", "http://127.0.0.1:9")
    start = time.monotonic()
    with pytest.raises(SearchUnavailableError, match="unavailable from this machine"):
        fetch(make_provider(provider), "workshop", SearchOptions(), budget_s=4.0)
    assert time.monotonic() - start < 5.0


def test_unknown_library_errors_still_become_search_errors():
    err = classify(KeyError("body"))
    assert isinstance(err, SearchUnavailableError) and "KeyError" in str(err)


@pytest.mark.parametrize("bad", [dict(time="year"), dict(region="Japan"),
                                 dict(max_results=0), dict(max_results=11)])
def test_search_options_are_checked(bad):
    with pytest.raises(SettingsError):
        SearchOptions(**bad)


def test_unknown_provider_is_a_settings_error():
    with pytest.raises(SettingsError, match="langchain, ddgs"):
        make_provider("google")
