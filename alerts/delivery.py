"""Sending alerts: e-mail through SMTP (stdlib smtplib) and a JSON POST to a webhook (httpx).

SMTP settings come from the environment (BILATERAL_SMTP_HOST, _PORT, _STARTTLS, _USER,
_PASSWORD, _FROM) or from .streamlit/secrets.toml's [smtp] table (host, port, starttls, user,
password, from). The password is never logged, stored or shown: an error kept for a retry is
redacted first. A failed send is recorded and retried at the next run; it never raises.
"""

from __future__ import annotations

import logging
import os
import smtplib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from alerts import message
from alerts.appdb import AppDB, Delivery

log = logging.getLogger("bilateral.alerts")
WEBHOOK_SECONDS = 10.0
SMTP_SECONDS = 20.0


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int = 587
    starttls: bool = True
    user: str | None = None
    sender: str = "bilateral@localhost"
    password: str | None = field(default=None, repr=False)

    def redact(self, text: str) -> str:
        return text.replace(self.password, "***") if self.password else text


def _secrets_smtp() -> dict:
    for path in (Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"):
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("smtp")
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if isinstance(table, dict):
            return table
    return {}


def smtp_settings() -> SmtpSettings:
    secrets = _secrets_smtp()

    def get(name: str) -> str | None:
        value = os.environ.get(f"BILATERAL_SMTP_{name.upper()}", secrets.get(name))
        return None if value is None or str(value) == "" else str(value)

    try:
        port = int(get("port") or 587)
    except ValueError:
        port = -1  # sending then fails with a clear error, recorded and retried
    return SmtpSettings(get("host"), port, (get("starttls") or "true").lower() not in ("0", "false", "no"),
                        get("user"), get("from") or "bilateral@localhost", get("password"))


def send_email(settings: SmtpSettings, to: str, payload: dict) -> None:
    if not settings.host:
        raise RuntimeError("no SMTP server set (BILATERAL_SMTP_HOST or [smtp] host in secrets.toml)")
    if not 0 < settings.port < 65536:
        raise RuntimeError("BILATERAL_SMTP_PORT is not a port number")
    with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_SECONDS) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message.email(payload, settings.sender, to))


def post_webhook(url: str, payload: dict, client: httpx.Client | None = None) -> None:
    post = client.post if client else httpx.post
    response = post(url, json=message.webhook_json(payload), timeout=WEBHOOK_SECONDS)
    if response.status_code >= 300:
        raise RuntimeError(f"the webhook answered HTTP {response.status_code}")


def send(delivery: Delivery, settings: SmtpSettings) -> str | None:
    """Send one delivery; None when it went, else the reason (one line, redacted)."""
    try:
        if delivery.channel == "email":
            send_email(settings, delivery.target, delivery.payload)
        else:
            post_webhook(delivery.target, delivery.payload)
        return None
    except (OSError, smtplib.SMTPException, httpx.HTTPError, RuntimeError) as err:
        reason = f"{type(err).__name__}: {err}".splitlines()[0][:300]
        return settings.redact(reason)


def deliver_due(db: AppDB, settings: SmtpSettings | None = None) -> dict[str, int]:
    """Send every delivery that is due; count them by outcome (sent, failed, gave_up)."""
    settings = settings or smtp_settings()
    counts = {"sent": 0, "failed": 0, "gave_up": 0}
    for delivery in db.claim_due():
        error = send(delivery, settings)
        status = db.finish(delivery, error)
        counts[status] += 1
        if error:  # the target may be a chat webhook whose path is a secret: name the channel only
            log.warning("alert %s: %s delivery failed (attempt %s): %s", delivery.alert_id, delivery.channel,
                        delivery.attempts, error)
    return counts
