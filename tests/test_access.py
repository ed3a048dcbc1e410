"""Sign-in settings without a browser: the allow-list, roles, and the signed cookie that carries
the requested URL across sign-in (tampered or expired: ignored)."""

from __future__ import annotations

from dashboard import access

SECRET = "cookie-secret-for-tests"


def test_allow_list_and_roles() -> None:
    rules = access.settings_from({"allowed": ["example.org", "Guest@Partner.net"], "editors": ["ed@example.org"],
                                  "admins": ["@ops.example.org"], "role_claim": "roles"}, {})
    assert access.is_allowed("ann@example.org", rules) and access.is_allowed("guest@partner.net", rules)
    assert not access.is_allowed("ann@example.org.evil.test", rules)
    assert not access.is_allowed("other@partner.net", rules) and not access.is_allowed("", rules)
    assert access.role_for("ann@example.org", {}, rules) == "viewer"
    assert access.role_for("ed@example.org", {"roles": ["viewer"]}, rules) == "editor"  # the address wins
    assert access.role_for("ann@example.org", {"roles": ["editor", "admin"]}, rules) == "admin"
    assert access.role_for("x@ops.example.org", {}, rules) == "admin"
    assert access.role_for("ann@example.org", {"roles": "superuser"}, rules) == "viewer"
    assert not access.is_allowed("ann@example.org", access.settings_from({}, {}))  # empty: nobody
    assert access.is_allowed("anyone@any.where", access.settings_from({"allowed": ["*"]}, {}))
    env = access.settings_from({"allowed": ["example.org"]}, {"BILATERAL_ALLOWED": "a@b.org, c.org"})
    assert env.allowed == ("a@b.org", "c.org")


def test_requested_url_cookie_is_signed_and_short_lived() -> None:
    params = {"a": "USA", "b": "CHN", "from": "2018-01-01"}
    value = access.sign_next("pair", params, SECRET, now=1000)
    assert access.read_next(value, SECRET, now=1000 + access.NEXT_MAX_AGE - 1) == ("pair", params)
    assert access.read_next(value, SECRET, now=1001 + access.NEXT_MAX_AGE) is None  # expired
    assert access.read_next(value, "another secret", now=1000) is None
    body, mac = value.split(".")
    forged = access.sign_next("data", params, "guessed", now=1000).split(".")[0]
    assert access.read_next(f"{forged}.{mac}", SECRET, now=1000) is None  # tampered
    assert access.read_next("garbage", SECRET) is None and access.read_next(None, SECRET) is None
    assert SECRET not in value
