"""The instructor's login token: signed under the password, expiring, revocable."""

from playground.room.admin_token import ADMIN_TTL_S, issue_token, revoke_token, token_valid


def test_a_token_holds_for_its_password_until_it_expires():
    token = issue_token("s3cret", now=1000.0)
    assert token_valid(token, "s3cret", now=1000.0 + ADMIN_TTL_S - 1)
    assert not token_valid(token, "s3cret", now=1000.0 + ADMIN_TTL_S + 1)  # expired
    assert not token_valid(token, "other", now=1001.0)  # a changed password ends it
    assert "s3cret" not in token


def test_a_tampered_or_malformed_token_is_refused():
    token = issue_token("s3cret", now=1000.0)
    expiry, nonce, signature = token.split(".")
    later = f"{int(expiry) + 10**6}.{nonce}.{signature}"  # stretched past its expiry
    assert not token_valid(later, "s3cret", now=1001.0)
    for bad in ("", "abc", "1.2", "x.y.z", token + ".0", "9" * 300, None):
        assert not token_valid(bad, "s3cret", now=1001.0)
    assert not token_valid(token, None, now=1001.0)  # no password configured: no login


def test_logging_out_revokes_the_token_and_only_it():
    a, b = issue_token("s3cret"), issue_token("s3cret")
    revoke_token(a)
    assert not token_valid(a, "s3cret") and token_valid(b, "s3cret")
    revoke_token("not a token")  # harmless
