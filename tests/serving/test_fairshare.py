"""Each participant's fair share: tokens per minute and waiting requests, per session only."""

import pytest

from playground.errors import OverBudgetError
from playground.serving.fairshare import SessionLedger, participant
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings

GREEDY8 = GenerationSettings(do_sample=False, max_new_tokens=8)
LONG = GenerationSettings(do_sample=False, max_new_tokens=200)
PROMPT = Prompt.raw("Once upon a time, in a small village by the sea,")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class FakeHandle:
    def __init__(self, session):
        self.request = GenerationRequest((PROMPT,), (GREEDY8,), session=session)
        self.done = False
        self.cancelled = False

    def cancel(self):
        self.cancelled = True


def test_the_session_key_names_the_participant_and_the_page():
    assert participant("abc/generate") == ("abc", "generate")
    assert participant(None) == ("", "")


def test_over_the_token_budget_says_when_to_try_again_and_others_are_unaffected():
    clock = Clock()
    ledger = SessionLedger(tokens_per_minute=10, clock=clock)
    ledger.touch("a")  # a browser tab
    for _ in range(10):
        ledger.count_token("a/generate")
        clock.now += 1  # tokens at t = 1000 ... 1009
    with pytest.raises(OverBudgetError, match=r"10 generated tokens per minute.*try again in "
                                              r"50 s") as info:
        ledger.check("a/compare")  # every page of that participant
    assert info.value.retry_after_s == pytest.approx(50)
    ledger.check("b/generate")  # another participant: no error
    clock.now = 1060.5  # the first token has left the window
    ledger.check("a/generate")


def test_requests_without_a_session_are_never_budgeted():
    ledger = SessionLedger(tokens_per_minute=1)
    ledger.count_token(None)
    ledger.check(None)


def test_waiting_requests_are_capped_per_participant_and_a_replaced_one_does_not_count():
    ledger = SessionLedger(max_waiting=1)
    ledger.touch("a")
    first = FakeHandle("a/generate")
    ledger.register(first)
    ledger.check("a/generate")  # the same page replaces its own request
    with pytest.raises(OverBudgetError, match="1 request.*waiting or running"):
        ledger.check("a/compare")
    ledger.check("b/compare")
    first.done = True
    ledger.check("a/compare")


def test_sessions_lists_participants_and_stop_cancels_only_that_one():
    clock = Clock()
    ledger = SessionLedger(idle_s=100, clock=clock)
    a, b = FakeHandle("aaaaaaaaaaaa/generate"), FakeHandle("bbbbbbbbbbbb/persona")
    ledger.register(a)
    ledger.register(b)
    ledger.touch("aaaaaaaaaaaa", name="Mika")
    ledger.count_token("bbbbbbbbbbbb/persona")
    rows = {r["id"]: r for r in ledger.sessions()}
    assert rows["aaaaaaaa"]["name"] == "Mika" and rows["aaaaaaaa"]["page"] == "generate"
    assert rows["bbbbbbbb"]["tokens (last min)"] == 1 and rows["bbbbbbbb"]["running requests"] == 1
    assert ledger.stop("aaaaaaaaaaaa") == 1
    assert a.cancelled and not b.cancelled


def test_closed_tabs_leave_the_list_and_their_requests_stop():
    clock = Clock()
    ledger = SessionLedger(idle_s=100, clock=clock)
    a, b = FakeHandle("a/generate"), FakeHandle("b/generate")
    ledger.register(a)
    ledger.register(b)
    ledger.touch("a")
    ledger.touch("b")
    assert [r["session"] for r in ledger.sessions(alive=lambda sid: sid == "b")] == ["b"]
    assert a.cancelled and not b.cancelled
    b.done = True
    clock.now += 101  # nothing running and no sign of life: gone on the timeout too
    assert ledger.sessions() == []


def test_a_session_over_budget_is_refused_while_another_generates(smol, monkeypatch):
    ledger = SessionLedger(tokens_per_minute=8)
    ledger.touch("a")
    ledger.touch("b")
    monkeypatch.setattr(smol.service, "ledger", ledger)
    first = smol.service.submit(GenerationRequest((PROMPT,), (GREEDY8,), session="a/generate"))
    assert first.result(timeout=120).new_tokens == 8
    assert ledger.tokens_last_minute("a") == 8
    with pytest.raises(OverBudgetError, match=r"try again in \d+ s"):
        smol.service.submit(GenerationRequest((PROMPT,), (GREEDY8,), session="a/generate"))
    other = smol.service.submit(GenerationRequest((PROMPT,), (GREEDY8,), session="b/generate"))
    result = other.result(timeout=120)
    assert result.new_tokens == 8 and not result.cancelled
    assert result.texts() == first.result().texts()  # greedy: b got the normal answer


def test_stopping_a_participant_stops_only_its_request(smol, monkeypatch):
    ledger = SessionLedger()
    monkeypatch.setattr(smol.service, "ledger", ledger)
    a = smol.service.submit(GenerationRequest((PROMPT,), (LONG,), session="a/generate"))
    b = smol.service.submit(GenerationRequest((PROMPT,), (GREEDY8,), session="b/generate"))
    assert ledger.stop("a") == 1
    assert a.result(timeout=120).cancelled
    assert not b.result(timeout=120).cancelled and b.result().new_tokens == 8


def test_requests_without_a_session_count_for_the_participant_acting_in_this_thread(
        smol, monkeypatch):
    import threading

    from playground.serving.fairshare import acting_for

    ledger = SessionLedger(tokens_per_minute=8)
    monkeypatch.setattr(smol.service, "ledger", ledger)

    def page_run():  # a page's script thread: the UI names its participant first
        ledger.touch("c", "sampling_compare")
        acting_for("c/sampling_compare")
        smol.service.submit(GenerationRequest((PROMPT,), (GREEDY8,))).result(timeout=120)
        try:
            smol.service.submit(GenerationRequest((PROMPT,), (GREEDY8,)))
        except OverBudgetError as err:
            caught.append(err)

    caught = []
    thread = threading.Thread(target=page_run)
    thread.start()
    thread.join(180)
    assert ledger.tokens_last_minute("c") == 8 and len(caught) == 1
    # this thread acts for nobody: not budgeted
    smol.service.submit(GenerationRequest((PROMPT,), (GREEDY8,))).result(timeout=120)


def test_simulated_and_cli_sessions_are_listed_but_never_refused_or_dropped_as_closed_tabs():
    ledger = SessionLedger(tokens_per_minute=1, max_waiting=1)
    ledger.register(FakeHandle("soak-1"))
    for _ in range(5):
        ledger.count_token("soak-1")
    ledger.check("soak-1")  # the rehearsal's simulated session: not budgeted
    rows = ledger.sessions(alive=lambda sid: False)  # not a Streamlit session: not "closed"
    assert [r["session"] for r in rows] == ["soak-1"] and rows[0]["tokens (last min)"] == 5
