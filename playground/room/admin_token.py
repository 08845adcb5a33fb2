"""The instructor's login, kept across reloads: a signed, expiring token for a cookie.

Streamlit starts a new session on every reload, so a login kept in the session alone was lost
with each one. After a right password the page writes a token into a cookie of this site
(``SameSite=Strict``, ``ADMIN_TTL_S``); a new session that sends a valid one is the instructor
again. The token is ``<expiry>.<nonce>.<signature>``: an HMAC-SHA256 of the expiry and nonce
under a key derived from the admin password with scrypt, so it proves the password without
holding it, a copied cookie cannot be stretched past its expiry, a changed password ends every
token, and a leaked cookie does not make guessing the password cheap. Logging out revokes the
token on this server (in memory: a restart forgets revocations, while expiries still hold).
What it cannot do: the cookie is written by the page's script, so it is not ``HttpOnly``.

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time

ADMIN_TTL_S = 8 * 3600  # a workshop day
COOKIE = "playground_admin"
_revoked: set[str] = set()
_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _key(password: str) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=b"playground-admin-cookie",
                          n=2**14, r=8, p=1, dklen=32)


def _sign(password: str, message: str) -> str:
    return hmac.new(_key(password), message.encode("ascii"), hashlib.sha256).hexdigest()


def issue_token(password: str, now: float | None = None, ttl_s: float = ADMIN_TTL_S) -> str:
    """A new token for whoever just gave the right ``password``."""
    expiry = int((time.time() if now is None else now) + ttl_s)
    message = f"{expiry}.{secrets.token_hex(16)}"
    return f"{message}.{_sign(password, message)}"


def token_valid(token: str | None, password: str | None, now: float | None = None) -> bool:
    """Whether ``token`` was issued under ``password``, is not expired and not revoked."""
    if not token or not password or len(token) > 200:
        return False
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return False
    expiry, nonce, signature = parts
    with _lock:
        if nonce in _revoked:
            return False
    if not hmac.compare_digest(signature, _sign(password, f"{expiry}.{nonce}")):
        return False
    return int(expiry) > (time.time() if now is None else now)


def revoke_token(token: str | None) -> None:
    """Log out: this token is refused from now on (on this server)."""
    parts = (token or "").split(".")
    if len(parts) == 3:
        with _lock:
            _revoked.add(parts[1])
