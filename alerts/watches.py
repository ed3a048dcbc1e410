"""A watch as a person writes it, checked before anything is stored: known countries, known
rules with thresholds in range, e-mail addresses (email-validator, syntax only: no DNS look-up
at add time), and a webhook that is an http(s) URL. Every problem is one WatchError line."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from alerts.rules import GRAINS, RULES
from lake.reference import all_country_codes


class WatchError(ValueError):
    """Bad watch input; the message is one line saying what was wrong."""


@dataclass(frozen=True)
class NewWatch:
    a: str
    b: str
    directed: bool
    rules: dict[str, dict[str, float | str]]
    grain: str
    emails: list[str]
    webhook: str | None
    owner: str | None


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(c.cameo_code for c in all_country_codes()) | frozenset(c.code for c in all_country_codes())


def country(text: str) -> str:
    code = text.strip().upper()
    if code not in _country_codes():
        raise WatchError(f"unknown country {text.strip()[:20]!r}; give a 3-letter code such as LBY or RUS")
    return code


def rules(text: str, conflict_quads: str = "4") -> dict[str, dict[str, float | str]]:
    """'spike,conflict_jump=20,silence=21' -> {rule: thresholds}; `rule=value` sets its main threshold."""
    found: dict[str, dict[str, float | str]] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in RULES:
            raise WatchError(f"unknown rule {name[:30]!r}; choose from {', '.join(RULES)}")
        rule = RULES[name]
        params: dict[str, float | str] = {}
        if value:
            if rule.main is None:
                raise WatchError(f"rule {name} takes no threshold")
            try:
                number = float(value)
            except ValueError:
                raise WatchError(f"{name}={value[:20]}: the threshold must be a number") from None
            low, high = rule.limits[rule.main]
            if not low <= number <= high:
                raise WatchError(f"{name}={value[:20]}: the threshold must be within {low:g}..{high:g}")
            params[rule.main] = number
        if name == "conflict_jump":
            params["quads"] = conflict_quads
        found[name] = params
    if not found:
        raise WatchError(f"give at least one rule: {', '.join(RULES)}")
    return found


def email(text: str) -> str:
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError as err:
        raise WatchError(f"bad e-mail address {text.strip()[:60]!r}: {str(err).rstrip('.')}") from None


def webhook(text: str) -> str:
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000 or any(c.isspace() for c in url):
        raise WatchError("the webhook must be an http:// or https:// URL, e.g. https://hooks.example.org/...")
    return url


def shown_webhook(url: str | None) -> str:
    """A webhook for lists and pages: its host only; the path of a chat webhook is its secret."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"


def new_watch(a: str, b: str, *, rule_text: str, emails: list[str], webhook_url: str | None, grain: str = "week",
              directed: bool = False, conflict_quads: str = "4", owner: str | None = None) -> NewWatch:
    first, second = country(a), country(b)
    if first == second:
        raise WatchError(f"{first} and {second} are the same country; a watch is between two")
    if grain not in GRAINS:
        raise WatchError(f"grain {grain[:20]!r} is not one of {', '.join(GRAINS)}")
    if conflict_quads not in ("4", "3,4"):
        raise WatchError("conflict quads must be 4 (material conflict) or 3,4 (all conflict)")
    return NewWatch(first, second, directed, rules(rule_text, conflict_quads), grain,
                    list(dict.fromkeys(email(e) for e in emails)), webhook(webhook_url) if webhook_url else None,
                    (owner or "").strip()[:100] or None)
