"""Admin page: password gate, resident models, load/unload, and the Hugging Face cache manager."""

import hashlib
import os

import pytest
from streamlit.testing.v1 import AppTest

from playground.room.admin import (CacheFolderError, CacheMissingError, cache_report, cache_table,
                                   check_password, delete_revisions, expected_password, freed_bytes,
                                   resident_report)
from playground.serving.catalog import ModelSpec
from tests.conftest import ROOT
from tests.fake_openai import MODEL_ID, FakeEngine

OLD, NEW, OTHER = "a" * 40, "b" * 40, "c" * 40
ENV = "PLAYGROUND_ADMIN_PASSWORD"


def add_repo(cache, repo_id, revisions: dict[str, dict[str, bytes]], refs: dict[str, str]):
    """The real hub layout: blobs named by content hash, snapshots of symlinks, refs files."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    for rev, files in revisions.items():
        for name, data in files.items():
            blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
            blob.parent.mkdir(parents=True, exist_ok=True)
            blob.write_bytes(data)
            link = repo / "snapshots" / rev / name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(blob, link.parent))
    for ref, rev in refs.items():
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / ref).write_text(rev)
    return repo


@pytest.fixture
def hf_cache(tmp_path):
    """org/tiny: an old detached revision and main, sharing config.json; org/other: one."""
    cache = tmp_path / "hub"
    config = b'{"model_type": "llama"}'
    add_repo(cache, "org/tiny", {OLD: {"config.json": config, "model.safetensors": b"o" * 3000},
                                 NEW: {"config.json": config, "model.safetensors": b"n" * 5000}},
             {"main": NEW})
    add_repo(cache, "org/other", {OTHER: {"model.safetensors": b"x" * 700}}, {"main": OTHER})
    return cache


def test_password_comes_from_the_env_var_first_then_the_secret(monkeypatch):
    monkeypatch.delenv("MY_PW", raising=False)
    assert expected_password("MY_PW") is None  # nothing configured: page disabled
    assert expected_password("MY_PW", secret="from-secrets") == "from-secrets"
    monkeypatch.setenv("MY_PW", "from-env")
    assert expected_password("MY_PW", secret="from-secrets") == "from-env"


def test_check_password():
    assert check_password("s3cret", "s3cret")
    assert not check_password("s3cret ", "s3cret") and not check_password("", "s3cret")
    assert not check_password("", None) and not check_password("anything", None)


def test_scan_lists_revisions_with_refs_and_sizes(hf_cache):
    report = cache_report(hf_cache)
    assert report.repos == 2 and report.size_bytes == 3000 + 5000 + 700 + 23
    rows = {r.commit_hash: r for r in report.rows}
    assert rows[OLD].refs == () and rows[NEW].refs == ("main",)
    assert rows[OLD].size_bytes == 3023 and rows[NEW].files == 2
    table = cache_table(report, loaded={"org/other"})
    assert {t["refs"] for t in table if t["repo"] == "org/tiny"} == {"main", "(detached)"}
    assert [t["loaded now"] for t in table if t["repo"] == "org/other"] == [True]


def test_deleting_a_revision_keeps_shared_files_and_shrinks_the_cache(hf_cache):
    before = cache_report(hf_cache).size_bytes
    assert freed_bytes(hf_cache, [OLD]) == 3000  # config.json is shared with main
    assert delete_revisions(hf_cache, [OLD]) == 3000
    after = cache_report(hf_cache)
    assert after.size_bytes == before - 3000
    assert OLD not in {r.commit_hash for r in after.rows}
    main = hf_cache / "models--org--tiny" / "snapshots" / NEW
    assert (main / "config.json").read_bytes() == b'{"model_type": "llama"}'
    with pytest.raises(CacheFolderError, match="already deleted"):
        delete_revisions(hf_cache, [OLD])


def test_deleting_the_last_revision_removes_the_repo(hf_cache):
    assert delete_revisions(hf_cache, [OTHER]) == 700
    assert not (hf_cache / "models--org--other").exists()


def test_missing_empty_and_wrong_cache_folders(tmp_path):
    with pytest.raises(CacheMissingError, match="no Hugging Face cache at"):
        cache_report(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    assert cache_report(tmp_path / "empty").rows == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(CacheFolderError, match="cannot be scanned"):
        cache_report(tmp_path / "file")


def test_resident_report_shows_memory_dtype_and_service_figures(smol):
    from playground.serving.registry import default_registry

    row = next(r for r in resident_report(default_registry()) if r["model"] == smol.name)
    assert row["memory (MiB)"] == pytest.approx(smol.footprint_bytes / 2**20, abs=0.1)
    assert row["dtype"] == "float32" and row["device"] == "cpu" and row["busy"] is False
    assert row["completed requests"] >= 0 and row["queue"] == 0


def admin_page(monkeypatch, password: str | None) -> AppTest:
    if password is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, password)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    return at.switch_page("pages/admin.py").run()


def log_in(at: AppTest, password: str) -> AppTest:
    at.text_input[0].input(password)
    next(b for b in at.button if b.label == "Log in").click()
    return at.run()


def test_admin_page_is_disabled_without_a_password(monkeypatch):
    at = admin_page(monkeypatch, None)
    assert not at.exception
    assert "disabled" in at.info[0].value and ENV in at.info[0].value
    assert len(at.main.text_input) == 0 and len(at.main.button) == 0


def test_admin_page_wrong_password_is_refused(monkeypatch):
    at = log_in(admin_page(monkeypatch, "s3cret"), "guess")
    assert not at.exception and at.error[0].value == "Wrong password."
    assert len(at.dataframe) == 0 and len(at.text_input) == 1  # still at the login form


def test_admin_page_lists_models_and_cache_and_deletes_a_revision(monkeypatch, smol,
                                                                  hf_cache):
    at = log_in(admin_page(monkeypatch, "s3cret"), "s3cret")
    assert not at.exception and not at.error
    resident = at.dataframe[0].value
    assert smol.name in list(resident["model"])
    at.text_input(key="admin_cache_dir").input(str(hf_cache)).run()
    cache = at.dataframe[-1].value
    assert set(cache["revision"]) == {OLD[:8], NEW[:8], OTHER[:8]}
    at.multiselect(key="admin_revisions").set_value([OLD]).run()
    assert any("frees 3.0 kB" in w.value for w in at.warning)
    at.button(key="admin_delete").click().run()
    assert not at.exception
    assert at.success[0].value == "Deleted 1 revision(s), freed 3.0 kB."
    assert set(at.dataframe[-1].value["revision"]) == {NEW[:8], OTHER[:8]}
    assert OLD not in {r.commit_hash for r in cache_report(hf_cache).rows}


def test_admin_page_loads_and_unloads_a_model_and_reports_bad_names(monkeypatch, smol):
    from playground.serving.registry import default_registry

    reg = default_registry()
    name = "echo for admin (remote)"
    with FakeEngine() as engine:
        monkeypatch.setitem(reg.catalog, name, ModelSpec(name, "openai", MODEL_ID, True,
                                                         base_url=engine.base_url))
        try:
            at = admin_page(monkeypatch, None)
            at.secrets["admin_password"] = "from-secrets"  # the st.secrets route
            at = log_in(at.run(), "from-secrets")
            at.text_input(key="admin_load_typed").input("not a model!")
            at.button(key="admin_load").click().run()
            assert "unknown model 'not a model!'" in at.error[0].value
            at.text_input(key="admin_load_typed").input("")
            at.selectbox(key="admin_load_name").select(name)
            at.button(key="admin_load").click().run()
            assert not at.exception and name in list(at.dataframe[0].value["model"])
            next(s for s in at.selectbox if s.label == "Unload a model").select(name)
            at.button(key="admin_unload").click().run()
            assert reg.get_loaded(name) is None and smol.name in [m.name for m in
                                                                  reg.resident()]
            assert "unloaded by the instructor" in reg.evicted[name]
        finally:
            reg.unload(name)
            reg.evicted.pop(name, None)


def test_cache_command_lists_and_deletes(hf_cache, capsys):
    import json

    from playground.cli import main

    assert main(["cache", "--dir", str(hf_cache)]) == 0
    listing = capsys.readouterr().out
    assert "org/tiny" in listing and OLD in listing and "(detached)" in listing
    assert main(["cache", "--dir", str(hf_cache), "--delete", OLD, "--yes", "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["freed_bytes"] == 3000 and "freed 3.0 kB" in err
    assert OLD not in {r["revision"] for r in data["revisions"]}
    assert main(["cache", "--dir", str(hf_cache / "missing")]) == 1
    assert "no Hugging Face cache at" in capsys.readouterr().err


def test_a_rehearsal_runs_simulated_sessions_on_the_servers_service(monkeypatch, smol):
    from playground.bench.loadtest import last_rehearsal

    at = log_in(admin_page(monkeypatch, "s3cret"), "s3cret")
    at.number_input(key="admin_rh_sessions").set_value(3)
    at.number_input(key="admin_rh_minutes").set_value(0.1)
    at.number_input(key="admin_rh_tokens").set_value(4)
    at.button(key="admin_rh_go").click().run()
    assert not at.exception and not at.error
    job = last_rehearsal()
    assert job is not None and any("Rehearsal running" in p.text for p in at.get("progress"))
    report = job.result(timeout=240)
    assert report.ok and report.requests >= 3 and report.failed == report.mixed == 0
    completed_before = smol.service.completed
    at.run()
    assert at.success[0].value.startswith("Passed: ") and "0 failed, 0 mixed" in \
        at.success[0].value
    assert smol.service.completed == completed_before  # showing the report runs nothing


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_wrong_passwords_slow_down_a_session_and_the_right_one_waits_too():
    from playground.room.admin import LoginThrottle, LoginThrottledError

    clock = Clock()
    throttle = LoginThrottle(free_tries=3, server_free_tries=100, base_s=1, max_s=60,
                             clock=clock)
    for _ in range(3):
        assert throttle.attempt("tab-a", "guess", "s3cret") is False
    # the 4th try comes too soon: refused without being checked, even when right
    with pytest.raises(LoginThrottledError, match="wait 1 s"):
        throttle.attempt("tab-a", "s3cret", "s3cret")
    assert throttle.attempt("tab-b", "s3cret", "s3cret") is True  # another session is free
    clock.now += 1
    assert throttle.attempt("tab-a", "guess", "s3cret") is False
    assert throttle.wait_s("tab-a") == pytest.approx(2)  # doubles with every wrong try
    clock.now += 2
    assert throttle.attempt("tab-a", "s3cret", "s3cret") is True
    assert throttle.wait_s("tab-a") == 0  # the right password clears the session's count


def test_a_wait_under_a_second_is_said_as_one_second_never_zero():
    from playground.room.admin import LoginThrottle, LoginThrottledError

    clock = Clock()
    throttle = LoginThrottle(free_tries=3, server_free_tries=100, base_s=1, max_s=60,
                             clock=clock)
    for _ in range(3):
        throttle.attempt("tab-a", "guess", "s3cret")
    clock.now += 0.6  # 0.4 s left: it read "wait 0 s"
    with pytest.raises(LoginThrottledError) as info:
        throttle.attempt("tab-a", "s3cret", "s3cret")
    assert "wait 1 s" in str(info.value) and info.value.params["wait"] == "1"
    clock.now += 1.5  # past the wait: a 4th wrong try, then 2 s to wait (1.8 s rounds up)
    throttle.attempt("tab-a", "guess", "s3cret")
    clock.now += 0.2
    with pytest.raises(LoginThrottledError, match="wait 2 s"):
        throttle.attempt("tab-a", "guess", "s3cret")


def test_many_sessions_guessing_slow_down_the_whole_server():
    from playground.room.admin import LoginThrottle, LoginThrottledError

    clock = Clock()
    throttle = LoginThrottle(free_tries=3, server_free_tries=5, base_s=1, max_s=60,
                             clock=clock)
    for i in range(5):  # a new tab for every guess
        assert throttle.attempt(f"tab-{i}", "guess", "s3cret") is False
    with pytest.raises(LoginThrottledError):
        throttle.attempt("fresh-tab", "guess", "s3cret")
    # forty guesses now take minutes, not 41 s (the delay doubles up to max_s per try)
    spent = 0.0
    for i in range(40):
        wait = throttle.wait_s(f"t{i}")
        clock.now += wait
        spent += wait
        throttle.attempt(f"t{i}", "guess", "s3cret")
    assert spent > 30 * 60
    clock.now += 601  # wrong tries older than the window are forgotten
    assert throttle.wait_s("anyone") == 0


@pytest.fixture(autouse=True)
def fresh_login_throttle(monkeypatch):
    """The throttle is server-wide: each test starts with no wrong tries counted."""
    from playground.room import admin

    monkeypatch.setattr(admin, "_throttle", admin.LoginThrottle())


def test_the_admin_page_slows_down_after_wrong_passwords(monkeypatch):
    at = admin_page(monkeypatch, "s3cret")
    for _ in range(3):
        at = log_in(at, "guess")
        assert "Wrong password." in [e.value for e in at.error]
    at = log_in(at, "s3cret")  # right, but too soon after three wrong tries
    assert any("too many wrong passwords" in e.value for e in at.error)
    assert not at.session_state["admin_ok"] if "admin_ok" in at.session_state else True


def test_many_damaged_cache_entries_are_one_alert(monkeypatch, hf_cache):
    for i in range(145):
        (hf_cache / f"not-a-repo-{i}").mkdir()
    at = log_in(admin_page(monkeypatch, "s3cret"), "s3cret")
    at.text_input(key="admin_cache_dir").input(str(hf_cache)).run()
    assert not at.exception
    assert len(at.warning) == 0
    assert [e.label for e in at.expander if "damaged" in e.label] == [
        "Skipped 145 damaged cache entries"]
