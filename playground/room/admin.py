"""The instructor's admin page without Streamlit: password, resident models, the HF cache.

The Hugging Face cache part follows huggingface_hub's own tools (``hf cache ls`` /
``delete-cache``): ``scan_cache_dir`` lists repos and their revisions, and
``HFCacheInfo.delete_revisions(...)`` plans a deletion whose expected freed size is shown before
``execute()`` removes the files. A revision no ref points to is "detached": usually an old
download that nothing uses any more.

Package ``playground.room``: may import the feature packages (``lab``, ``prompting``, ``quant``,
``rag``), ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import hmac
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

from playground.errors import PlaygroundError

DEFAULT_PASSWORD_ENV = "PLAYGROUND_ADMIN_PASSWORD"


class CacheFolderError(PlaygroundError):
    """The cache folder cannot be scanned (a file, unreadable) or the revisions are gone."""


class CacheMissingError(CacheFolderError):
    """No cache folder at that path yet: nothing has been downloaded there."""


# -- password -------------------------------------------------------------------------------
def expected_password(password_env: str = DEFAULT_PASSWORD_ENV,
                      secret: str | None = None) -> str | None:
    """The admin password: the env var named ``password_env``, else the secrets file's
    ``admin_password``. None means the admin page is disabled."""
    return os.environ.get(password_env or DEFAULT_PASSWORD_ENV) or secret or None


def check_password(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; never true when no password is configured."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class LoginThrottledError(PlaygroundError):
    """Too many wrong admin passwords just now: the next try must wait."""


class LoginThrottle:
    """Slows down password guessing, per browser session and for the whole server.

    The first ``free_tries`` wrong passwords of a session cost nothing; after that each try
    must wait ``base_s`` x 2^(extra failures) seconds, at most ``max_s``. The server counts the
    wrong tries of all sessions within ``window_s``: beyond ``server_free_tries`` of them every
    session waits the same way (a guesser opening new tabs gains nothing). A right password
    clears its session's count, not the server's. Thread-safe; times from ``clock`` (s).
    """

    def __init__(self, free_tries: int = 3, server_free_tries: int = 10, base_s: float = 1.0,
                 max_s: float = 60.0, window_s: float = 600.0, clock=time.monotonic):
        import threading

        self.free_tries, self.server_free_tries = free_tries, server_free_tries
        self.base_s, self.max_s, self.window_s, self.clock = base_s, max_s, window_s, clock
        self._sessions: dict[str, list[float]] = {}  # session -> times of its wrong tries
        self._server: list[float] = []
        self._lock = threading.Lock()

    def _delay(self, failures: list[float], free: int) -> float:
        if len(failures) < free:
            return 0.0
        delay = min(self.max_s, self.base_s * 2 ** (len(failures) - free))
        return max(0.0, failures[-1] + delay - self.clock())

    def wait_s(self, session: str) -> float:
        """Seconds before ``session`` may try a password again (0 = now)."""
        with self._lock:
            now = self.clock()
            self._server = [t for t in self._server if now - t < self.window_s]
            mine = [t for t in self._sessions.get(session, []) if now - t < self.window_s]
            self._sessions[session] = mine
            return max(self._delay(mine, self.free_tries),
                       self._delay(self._server, self.server_free_tries))

    def attempt(self, session: str, given: str | None, expected: str | None) -> bool:
        """Check ``given`` (constant time); raises LoginThrottledError while it must wait.
        A refused-while-waiting try is not checked at all, so it cannot be guessed faster."""
        wait = self.wait_s(session)
        if wait > 0:
            seconds = max(1, math.ceil(wait))  # whole seconds, rounded up: never "wait 0 s"
            raise LoginThrottledError(f"too many wrong passwords: wait {seconds} s before the "
                                      f"next try", key="errors.login_throttled",
                                      params={"wait": str(seconds)})
        ok = check_password(given, expected)
        with self._lock:
            if ok:
                self._sessions.pop(session, None)
            else:
                now = self.clock()
                self._sessions.setdefault(session, []).append(now)
                self._server.append(now)
        return ok


_throttle = LoginThrottle()


def login_throttle() -> LoginThrottle:
    """The server's one throttle (every session's admin login goes through it)."""
    return _throttle


# -- formatting -----------------------------------------------------------------------------
def human_size(n: int) -> str:
    """Bytes as B / kB / MB / GB (powers of 1000, as ``hf cache ls`` shows them)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def ago(seconds: float) -> str:
    """A duration in the past, e.g. ``just now``, ``12 s ago``, ``5 min ago``, ``3 days ago``."""
    s = max(0.0, seconds)
    if s < 2:
        return "just now"
    for limit, div, unit in ((60, 1, "s"), (3600, 60, "min"), (86400, 3600, "h")):
        if s < limit:
            return f"{s / div:.0f} {unit} ago"
    return f"{s / 86400:.0f} days ago"


# -- resident models ------------------------------------------------------------------------
def resident_report(registry) -> list[dict]:
    """One row per resident model: memory, dtype, device, last use, and its service's figures."""
    rows = []
    for m in registry.resident():
        st = m.service.stats()
        remote = getattr(m.device, "type", "") == "remote"
        rows.append({
            "model": m.name,
            "memory (MiB)": round(m.footprint_bytes / 2**20, 1),
            "dtype": str(m.dtype).removeprefix("torch."),
            "device": str(m.device) if remote else m.device.type,
            "last used": ago(time.monotonic() - m.last_used),
            "busy": bool(m.busy()),
            "queue": st["queue_depth"],
            "running requests": st["running_requests"],
            "running rows": st["running_rows"],
            "active sessions": st["active_sessions"],
            "tok/s now": round(st["tokens_per_s_now"], 1),
            "completed requests": st["completed"],
            "generated tokens": st["generated_tokens"],
            # prompt tokens a prefill did not compute: their shared head was kept or read once
            "shared prompt tokens": (st.get("prefix_cache") or {}).get(
                "tokens_saved", 0),
        })
    return rows


def share_report(registry) -> dict[str, dict]:
    """Each participant's place in the fair scheduler, over every resident model: tokens
    served (the virtual counters), rows in a batch now, rows waiting, and their share of the
    row slots. Keyed by browser session id ("" = the command line)."""
    out: dict[str, dict] = {}
    for m in registry.resident():
        for row in getattr(m.service, "shares", lambda: [])():
            mine = out.setdefault(row["participant"], {"served": 0.0, "running_rows": 0,
                                                      "waiting_rows": 0, "share_rows": 0})
            mine["served"] += row["counter"]
            for key in ("running_rows", "waiting_rows", "share_rows"):
                mine[key] += row[key]
    return out


def budget_report(registry) -> dict:
    """Model memory in use against the budget, in MiB."""
    used, budget = registry.used_bytes(), registry.budget_bytes
    return {"used_mb": used / 2**20, "budget_mb": budget / 2**20,
            "fraction": min(1.0, used / budget) if budget else 0.0}


def evicted_report(registry) -> list[dict]:
    return [{"model": name, "why it is not loaded": why}
            for name, why in dict(registry.evicted).items()]


def budget_notes_report(notes, now: float | None = None) -> list[dict]:
    """What the memory budget decided (``registry.budget_notes``, oldest first), newest first:
    which model was loaded and which went to make room, or which load was refused and why."""
    now = time.time() if now is None else now
    return [{"when": ago(now - n.at), "model": n.model, "what happened": n.text()}
            for n in reversed(list(notes))]


# -- the Hugging Face cache -----------------------------------------------------------------
def default_cache_dir() -> str:
    """HF_HUB_CACHE (from HF_HOME / HF_HUB_CACHE, else ~/.cache/huggingface/hub)."""
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


@dataclass(frozen=True)
class RevisionRow:
    repo_id: str
    repo_type: str
    commit_hash: str
    refs: tuple[str, ...]      # e.g. ("main",); () = detached
    size_bytes: int
    files: int
    last_modified: float       # epoch seconds
    repo_last_accessed: float  # epoch seconds (per repo: blobs are shared between revisions)

    @property
    def label(self) -> str:
        refs = ", ".join(self.refs) or "detached"
        return f"{self.repo_id} @ {self.commit_hash[:8]} ({refs}, {human_size(self.size_bytes)})"


@dataclass(frozen=True)
class CacheReport:
    folder: str
    rows: list[RevisionRow]
    size_bytes: int
    repos: int
    warnings: list[str]


def _scan(cache_dir: str | Path):
    from huggingface_hub import CacheNotFound, scan_cache_dir

    folder = Path(cache_dir or default_cache_dir()).expanduser()
    try:
        return scan_cache_dir(folder)
    except CacheNotFound:
        raise CacheMissingError(f"there is no Hugging Face cache at {folder} yet: nothing has "
                                f"been downloaded there", key="errors.no_hf_cache",
                                params={"folder": str(folder)}) from None
    except (ValueError, OSError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CacheFolderError(f"{folder} cannot be scanned as a Hugging Face cache: {reason}",
                               key="errors.hf_cache_unreadable",
                               params={"folder": str(folder), "reason": reason}) from None


def cache_report(cache_dir: str | Path) -> CacheReport:
    """Every cached revision, newest first within each repo."""
    info = _scan(cache_dir)
    rows = [RevisionRow(repo.repo_id, repo.repo_type, rev.commit_hash,
                        tuple(sorted(rev.refs)), rev.size_on_disk, rev.nb_files,
                        rev.last_modified, repo.last_accessed)
            for repo in info.repos for rev in repo.revisions]
    rows.sort(key=lambda r: (r.repo_type, r.repo_id.lower(), -r.last_modified))
    return CacheReport(str(info.cache_dir or cache_dir), rows, info.size_on_disk,
                       len(info.repos), [str(w) for w in info.warnings])


def cache_table(report: CacheReport, loaded: set[str] = frozenset(),
                now: float | None = None) -> list[dict]:
    """Rows for a table; ``loaded``: ids of models resident right now (marked, not blocked)."""
    now = time.time() if now is None else now
    return [{"repo": r.repo_id, "type": r.repo_type, "revision": r.commit_hash[:8],
             "refs": ", ".join(r.refs) or "(detached)", "size": human_size(r.size_bytes),
             "files": r.files, "modified": ago(now - r.last_modified),
             "repo last used": ago(now - r.repo_last_accessed),
             "loaded now": r.repo_id in loaded} for r in report.rows]


def freed_bytes(cache_dir: str | Path, hashes) -> int:
    """What deleting these revisions would free (blobs other revisions share are kept)."""
    return _scan(cache_dir).delete_revisions(*hashes).expected_freed_size


def delete_revisions(cache_dir: str | Path, hashes) -> int:
    """Delete these revisions from the cache; returns the bytes freed."""
    hashes = [h for h in hashes if h]
    info = _scan(cache_dir)
    known = {rev.commit_hash for repo in info.repos for rev in repo.revisions}
    missing = [h[:8] for h in hashes if h not in known]
    if missing or not hashes:
        raise CacheFolderError(f"revision(s) {', '.join(missing) or '(none)'} are not in the "
                               f"cache (already deleted, perhaps from another tab); nothing "
                               f"was deleted")
    strategy = info.delete_revisions(*hashes)
    strategy.execute()
    return strategy.expected_freed_size
