"""Who may see the dashboard: sign-in through Streamlit's own st.login (OpenID Connect, Authlib),
an allow-list, and roles. Off unless the secrets Streamlit reads (.streamlit/secrets.toml) have an
[auth] section; then nobody is signed in ("local") and everything is as before.

When on, every page (a shared link too) shows only a sign-in screen until the visitor is signed
in. Streamlit returns from the provider to the app's root URL without the query parameters, so
the sign-in screen leaves the URL asked for in a short-lived cookie (10 minutes, signed with a key
derived from the cookie secret, set by a line of JavaScript: the script cannot set cookies); the
first run after sign-in switches to that page with those parameters and expires the cookie.

Settings, in secrets.toml or the environment (the environment wins when set):

    [bilateral.access]
    allowed = ["alice@example.org", "example.com"]  # addresses and domains; "*" = anyone signed in
    editors = ["bob@example.org"]                   # addresses or domains
    admins = ["alice@example.org"]
    role_claim = "bilateral_role"                   # optional: a claim holding viewer/editor/admin

    BILATERAL_ALLOWED, BILATERAL_EDITORS, BILATERAL_ADMINS: comma-separated, same meaning.

An empty allow-list lets nobody in (a server that signs in with Google would otherwise let
everyone with a Google account in). A role comes from the address, else the provider's claim,
else the domain; the default is viewer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard.highlight import md

ROLES = ("viewer", "editor", "admin")
LOCAL = "local"  # the owner of everything when sign-in is off
NEXT_COOKIE = "bilateral_next"
NEXT_MAX_AGE = 600  # seconds the requested URL is kept across sign-in
_PERSON = "_access_person"
_CLEAR_NEXT = "_access_clear_next"
_FIRST_RUN_DONE = "_access_first_run_done"


@dataclass(frozen=True)
class Settings:
    allowed: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    role_claim: str | None = None


@dataclass(frozen=True)
class Person:
    id: str  # the e-mail address (lower case), or "local" with sign-in off
    name: str
    role: str
    signed_in: bool

    @property
    def is_editor(self) -> bool:
        return self.role in ("editor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


NOBODY = Person(LOCAL, "local", "admin", False)  # sign-in off: the laptop's user sees everything


def _entries(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(e for e in (str(i).strip().lower().lstrip("@") for i in items) if e)


def settings_from(section: Mapping[str, Any] | None, env: Mapping[str, str]) -> Settings:
    """[bilateral.access] of the secrets, overridden by BILATERAL_ALLOWED/_EDITORS/_ADMINS."""
    section = section or {}

    def pick(name: str) -> tuple[str, ...]:
        raw = env.get(f"BILATERAL_{name.upper()}")
        return _entries(raw) if raw is not None and raw.strip() else _entries(section.get(name))

    claim = env.get("BILATERAL_ROLE_CLAIM") or section.get("role_claim")
    return Settings(pick("allowed"), pick("editors"), pick("admins"), str(claim) if claim else None)


def _matches(email: str, entries: tuple[str, ...]) -> bool:
    domain = email.rpartition("@")[2]
    return email in entries or (bool(domain) and domain in entries)


def is_allowed(email: str, settings: Settings) -> bool:
    email = email.strip().lower()
    if "@" not in email:
        return False
    return "*" in settings.allowed or _matches(email, settings.allowed)


def role_for(email: str, claims: Mapping[str, Any], settings: Settings) -> str:
    """The address's role in the settings, else the provider's claim, else the domain's, else viewer."""
    email = email.strip().lower()
    for role, entries in (("admin", settings.admins), ("editor", settings.editors)):
        if email in entries:
            return role
    if settings.role_claim:
        value = claims.get(settings.role_claim)
        values = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
        found = [str(v).lower() for v in values if str(v).lower() in ROLES]
        if found:
            return max(found, key=ROLES.index)
    domain = email.rpartition("@")[2]
    for role, entries in (("admin", settings.admins), ("editor", settings.editors)):
        if domain and domain in entries:
            return role
    return "viewer"


# --- the requested URL across sign-in ---------------------------------------------------------------

def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"bilateral requested URL across sign-in", hashlib.sha256).digest()


def sign_next(page: str, params: Mapping[str, str], secret: str, now: float | None = None) -> str:
    payload = json.dumps({"p": page, "q": dict(params), "e": int((now or time.time()) + NEXT_MAX_AGE)},
                         separators=(",", ":"), sort_keys=True)
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    mac = base64.urlsafe_b64encode(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()).decode()
    return f"{body}.{mac.rstrip('=')}"


def read_next(value: str | None, secret: str, now: float | None = None) -> tuple[str, dict[str, str]] | None:
    """(page url_path, query params) from a cookie made by sign_next, or None when missing,
    tampered with or expired."""
    if not value or value.count(".") != 1:
        return None
    body, mac = value.split(".")
    good = base64.urlsafe_b64encode(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(good.rstrip("="), mac):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        page, params, expires = str(data["p"]), data["q"], int(data["e"])
    except (ValueError, KeyError, TypeError):
        return None
    if expires < (now or time.time()) or not isinstance(params, dict):
        return None
    return page, {str(k): str(v) for k, v in params.items()}


def _set_cookie_js(value: str, max_age: int) -> None:
    # Our own value (base64url and '.'), never user text: nothing to escape.
    st.html(f"<script>document.cookie = '{NEXT_COOKIE}={value}; Max-Age={max_age}; Path=/; SameSite=Lax';</script>",
            unsafe_allow_javascript=True, width="content")


# --- the gate ------------------------------------------------------------------------------------------

def auth_section() -> Mapping[str, Any] | None:
    """The [auth] section of the secrets Streamlit reads, or None: sign-in off."""
    try:
        if "auth" not in st.secrets:
            return None
        return st.secrets["auth"]
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


def settings() -> Settings:
    try:
        section = st.secrets.get("bilateral", {}).get("access", {})
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        section = {}
    return settings_from(section, os.environ)


def current() -> Person:
    """Who this run is for (set by gate(); sign-in off or not yet gated: 'local')."""
    return st.session_state.get(_PERSON, NOBODY)


def gate(page: Any, pages: list[Any]) -> Person:
    """Let the run go on only for an allowed, signed-in person (or anyone with sign-in off).
    `page` is what st.navigation returned, `pages` the app's pages (to return to after sign-in)."""
    auth = auth_section()
    if auth is None:
        st.session_state[_PERSON] = NOBODY
        return NOBODY
    secret = str(auth.get("cookie_secret", ""))
    if not st.user.is_logged_in:
        st.session_state.pop(_PERSON, None)
        _set_cookie_js(sign_next(page.url_path, st.query_params.to_dict(), secret), NEXT_MAX_AGE)
        st.title("Bilateral")
        st.markdown("Sign in to see this page.")
        st.button("Sign in", icon=":material/login:", type="primary", on_click=st.login, key="access_sign_in")
        st.stop()
    email = str(st.user.get("email") or "").strip().lower()
    rules = settings()
    if not is_allowed(email, rules):
        st.session_state.pop(_PERSON, None)
        st.error(f"{email or 'This account'} is not on this server's list of people who may enter; "
                 "ask its administrator to add you.", icon=":material/block:")
        st.sidebar.button("Sign out", icon=":material/logout:", on_click=st.logout, key="access_sign_out_refused")
        st.stop()
    claims = st.user.to_dict()
    person = Person(email, str(claims.get("name") or email), role_for(email, claims, rules), True)
    st.session_state[_PERSON] = person
    if st.session_state.pop(_CLEAR_NEXT, False):
        _set_cookie_js("", 0)
    if not st.session_state.get(_FIRST_RUN_DONE):
        st.session_state[_FIRST_RUN_DONE] = True
        target = read_next(st.context.cookies.get(NEXT_COOKIE), secret)
        if target is not None:
            st.session_state[_CLEAR_NEXT] = True
            path, params = target
            landed_on_root = page.url_path == "" and not st.query_params.to_dict()
            destination = next((p for p in pages if p.url_path == path), None)
            if landed_on_root and destination is not None and (params or destination is not page):
                st.switch_page(destination, query_params=params)
            _set_cookie_js("", 0)
            st.session_state.pop(_CLEAR_NEXT, None)
    return person


def sidebar(person: Person) -> None:
    """Who is signed in, and the way out (nothing with sign-in off)."""
    if not person.signed_in:
        return
    st.caption(f":material/account_circle: Signed in as **{md(person.name)}** ({md(person.id)}) · {person.role}")
    st.button("Sign out", icon=":material/logout:", on_click=st.logout, key="access_sign_out", width="stretch")

