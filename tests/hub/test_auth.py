"""Visitor tokens and password hashes."""

from __future__ import annotations

from hub.auth import VisitorTokens, hash_password, verify_password


def test_visitor_token_is_bound_to_its_inbox_and_secret() -> None:
    tokens = VisitorTokens("secret-a")
    token, visitor = tokens.issue(inbox_id=1)
    assert tokens.verify(1, token) == visitor
    assert tokens.verify(2, token) is None
    assert VisitorTokens("secret-b").verify(1, token) is None
    assert tokens.verify(1, token + "x") is None
    assert tokens.verify(1, "not-a-token") is None


def test_passwords_are_argon2id() -> None:
    hashed = hash_password("kata-sandi")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "kata-sandi")
    assert not verify_password(hashed, "salah")
    assert not verify_password("garbage", "kata-sandi")
