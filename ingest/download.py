"""Downloading one GDELT file, verified: the size and MD5 GDELT lists, or it does not count.

A file is streamed to `NAME.part` beside its final place and renamed only once its size and
MD5 match the list, so a verified file in the cache is never downloaded again and a killed
download leaves only a `.part` that the next run starts over. Transient failures (connection
reset, a cut-short body, 5xx, 429) are retried with exponential backoff, honouring the
server's Retry-After; a 404, an HTML page served as the file or an MD5 that stays wrong fail
the file with a one-line reason and the fetch goes on with the rest.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import tenacity

log = logging.getLogger("bilateral.fetch")

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_RETRY_AFTER = 300.0  # seconds: a longer Retry-After fails the file for this run instead
USER_AGENT = "bilateral-fetch (+https://www.gdeltproject.org/ data; open-source dashboard)"


class DownloadFailed(Exception):
    """The file could not be fetched and verified; str() is the one-line reason."""


class _Transient(Exception):
    """Worth another try; `wait` is the server's Retry-After in seconds, if it gave one."""

    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.wait = wait


@dataclass(frozen=True)
class Fetched:
    path: Path
    size: int
    md5: str
    downloaded: bool  # False when a verified copy was already in the cache


def attempts() -> int:
    return max(1, int(os.environ.get("BILATERAL_FETCH_ATTEMPTS", "5")))


def backoff_base() -> float:
    """Seconds before the first retry (doubling each time); tests set it small."""
    return float(os.environ.get("BILATERAL_FETCH_BACKOFF", "2"))


def client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, follow_redirects=True, headers={"User-Agent": USER_AGENT})


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verified_copy(target: Path, size: int | None, md5: str | None) -> bool:
    """True if `target` is already downloaded and matches the list."""
    if not target.is_file():
        return False
    if size is not None and target.stat().st_size != size:
        return False
    return md5 is None or md5_of(target) == md5


def _retry_after(response: httpx.Response) -> float | None:
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))  # seconds (RFC 9110 says whole; some servers send 1.5)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)  # or an HTTP date
    except (TypeError, ValueError, IndexError):
        return None  # unreadable: the usual backoff
    return max(0.0, when.timestamp() - time.time())


def _wait(state: tenacity.RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, _Transient) and error.wait is not None:
        return error.wait
    return backoff_base() * 2 ** (state.attempt_number - 1)


def _before_sleep(state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("retrying %s in %.1fs (attempt %d failed: %s)", state.args[1] if len(state.args) > 1 else "?",
                state.upcoming_sleep, state.attempt_number, error)


def fetch_text(http: httpx.Client, url: str) -> str:
    """A list file (lastupdate, masterfilelist, md5sums), with the same retries as a data file."""
    retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(attempts()), wait=_wait,
                                 retry=tenacity.retry_if_exception_type(_Transient),
                                 before_sleep=_before_sleep, reraise=True)
    try:
        return retrying(_get_text, http, url)
    except _Transient as err:
        raise DownloadFailed(f"{err} (after {attempts()} attempts)") from None


def _get_text(http: httpx.Client, url: str) -> str:
    try:
        response = http.get(url)
    except httpx.TransportError as err:
        raise _Transient(f"{type(err).__name__}: {err}") from None
    _raise_for_status(response)
    return response.text


def append_range(http: httpx.Client, url: str, cached: Path) -> bool:
    """Bring a cached copy of an append-only list (GDELT's master lists) up to date by asking
    only for the bytes after it. True if the cache is now current; False if the server ignored
    the range or the list is no longer an extension of the cache (then fetch it whole)."""
    have = cached.stat().st_size if cached.exists() else 0
    if have == 0:
        return False
    try:
        response = http.get(url, headers={"Range": f"bytes={have}-"})
    except httpx.TransportError:
        return False
    if response.status_code == 416:  # nothing new past our end
        return True
    if response.status_code != 206 or not response.content.endswith(b"\n"):
        return False
    with cached.open("ab") as f:
        f.write(response.content)
    return True


def _raise_for_status(response: httpx.Response) -> None:
    code = response.status_code
    if code == 429 or code >= 500:
        wait = _retry_after(response)
        if wait is not None and wait > MAX_RETRY_AFTER:
            raise DownloadFailed(f"HTTP {code}, Retry-After {wait:.0f}s is longer than {MAX_RETRY_AFTER:.0f}s")
        raise _Transient(f"HTTP {code}", wait)
    if code == 404:
        raise DownloadFailed("listed by GDELT but not found on the server (HTTP 404)")
    if code >= 400:
        raise DownloadFailed(f"HTTP {code}")


def download(http: httpx.Client, url: str, target: Path, size: int | None, md5: str | None) -> Fetched:
    """Fetch `url` to `target`, verified against size and MD5; reuse a verified copy.
    Raises DownloadFailed with a one-line reason."""
    if verified_copy(target, size, md5):
        return Fetched(target, target.stat().st_size, md5 or md5_of(target), downloaded=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(attempts()), wait=_wait,
                                 retry=tenacity.retry_if_exception_type(_Transient),
                                 before_sleep=_before_sleep, reraise=True)
    try:
        got_size, got_md5 = retrying(_download_once, http, url, target, size, md5)
    except _Transient as err:
        raise DownloadFailed(f"{err} (after {attempts()} attempts)") from None
    return Fetched(target, got_size, got_md5, downloaded=True)


def _download_once(http: httpx.Client, url: str, target: Path, size: int | None,
                   md5: str | None) -> tuple[int, str]:
    part = target.with_name(target.name + ".part")
    digest = hashlib.md5(usedforsecurity=False)
    written = 0
    try:
        with http.stream("GET", url) as response:
            _raise_for_status(response)
            content_type = response.headers.get("Content-Type", "")
            with part.open("wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    if written == 0 and (content_type.startswith("text/html")
                                         or chunk.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))):
                        raise DownloadFailed("the server sent an HTML page instead of the file")
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    if size is not None and written > size:
                        break  # longer than listed: no need to read on
    except (httpx.TransportError, httpx.DecodingError) as err:
        part.unlink(missing_ok=True)
        raise _Transient(f"{type(err).__name__}: {str(err)[:120]}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    got = digest.hexdigest()
    if size is not None and written != size:
        part.unlink(missing_ok=True)
        # Cut short in transit is worth another try; a server that keeps sending another size is not.
        raise _Transient(f"got {written:,} bytes where the list says {size:,}")
    if md5 is not None and got != md5:
        part.unlink(missing_ok=True)
        raise _Transient(f"MD5 {got} does not match the list's {md5}")
    os.replace(part, target)
    return written, got
