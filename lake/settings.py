"""Where the lake's catalog and data files live, read from the environment or secrets.toml.

Three layouts, chosen by configuration alone (README.md, "Settings"):
- the default: a SQLite catalog file and Parquet files in one local directory;
- a PostgreSQL catalog with the Parquet files in a local (or shared) directory;
- a PostgreSQL catalog with the Parquet files on S3.

Every setting is read from the environment first, then from Streamlit's secrets.toml
(`./.streamlit/secrets.toml`, then `~/.streamlit/secrets.toml`) under the same name, so
the dashboard and the ingest CLI read the same file. Values are validated here; passwords
never reach SQL text, messages or repr().
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

CATALOGS = ("sqlite", "postgres")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")  # Postgres names we accept unquoted
_HOST = re.compile(r"[A-Za-z0-9._:\-\[\]/]{1,255}")  # a name, an IPv4/IPv6 address or a socket dir
_S3_URL = re.compile(r"s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/[A-Za-z0-9._\-/=]*)?")
_ENDPOINT = re.compile(r"[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?")


class SettingsError(Exception):
    """A bad or missing setting; the message is one line that names it and says what to do."""


@dataclass(frozen=True)
class PostgresCatalog:
    host: str
    port: int
    database: str
    user: str
    schema: str
    password: str | None = field(default=None, repr=False)  # None: libpq's PGPASSWORD / ~/.pgpass


@dataclass(frozen=True)
class S3Storage:
    region: str
    endpoint: str | None  # None: AWS itself
    url_style: str
    use_ssl: bool
    key_id: str | None = None
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LakeSettings:
    dir: Path  # local: the SQLite catalog, the default data path and the rejection log
    catalog: str
    data_path: str  # always ends with "/"
    postgres: PostgresCatalog | None = None
    s3: S3Storage | None = None

    @property
    def on_s3(self) -> bool:
        return self.data_path.startswith("s3://")

    def describe(self) -> str:
        """Where the lake is, for people and logs: never a password or key."""
        if self.catalog == "sqlite":
            where = f"SQLite catalog {self.dir / 'catalog.sqlite'}"
        else:
            pg = self.postgres
            assert pg is not None  # resolve() sets it for a PostgreSQL catalog
            where = f"PostgreSQL catalog {pg.user}@{pg.host}:{pg.port}/{pg.database} schema {pg.schema}"
        return f"{where}, data in {self.data_path}"

    def secrets(self) -> list[str]:
        """The values that must never be shown (for redacting messages that might echo them)."""
        values = [
            self.postgres.password if self.postgres else None,
            self.s3.secret if self.s3 else None,
            os.environ.get("PGPASSWORD"),
        ]
        return [v for v in values if v and len(v) >= 4]

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text


def _secrets_files() -> list[Path]:
    return [Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]


_PARSED: dict[Path, tuple[int, dict[str, object]]] = {}  # path -> (mtime, content): pages resolve often


def _secrets_toml(paths: list[Path]) -> dict[str, object]:
    merged: dict[str, object] = {}
    for path in reversed(paths):  # the project's file wins over the user's, as in Streamlit
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            continue
        if _PARSED.get(path, (None,))[0] != mtime:
            try:
                _PARSED[path] = (mtime, tomllib.loads(path.read_text(encoding="utf-8")))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
                raise SettingsError(f"cannot read {path}: {str(err).splitlines()[0]}") from None
        merged.update(_PARSED[path][1])
    return merged


@overload
def _setting(name: str, default: str) -> str: ...
@overload
def _setting(name: str, default: None = None) -> str | None: ...
def _setting(name: str, default: str | None = None) -> str | None:
    value: object = os.environ.get(name)
    if value is None:
        value = _secrets_toml(_secrets_files()).get(name)
    if value is None or str(value).strip() == "":
        return default
    return str(value).strip()


def _identifier(name: str, default: str) -> str:
    value = _setting(name, default)
    if not _IDENTIFIER.fullmatch(value):
        raise SettingsError(f"{name}={value!r} is not a plain name (letters, digits, _; at most 63)")
    return value


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _setting(name, default).lower()
    if value not in choices:
        raise SettingsError(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


def _postgres() -> PostgresCatalog:
    host = _setting("BILATERAL_PG_HOST", "127.0.0.1")
    if not _HOST.fullmatch(host):
        raise SettingsError(f"BILATERAL_PG_HOST={host!r} is not a host name or address")
    port = _setting("BILATERAL_PG_PORT", "5432")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise SettingsError(f"BILATERAL_PG_PORT={port!r} is not a port number (1-65535)")
    return PostgresCatalog(
        host=host,
        port=int(port),
        database=_identifier("BILATERAL_PG_DATABASE", "bilateral"),
        user=_identifier("BILATERAL_PG_USER", "bilateral"),
        schema=_identifier("BILATERAL_PG_SCHEMA", "bilateral"),
        password=_setting("BILATERAL_PG_PASSWORD"),
    )


def _s3() -> S3Storage:
    endpoint = _setting("BILATERAL_S3_ENDPOINT")
    if endpoint is not None and not _ENDPOINT.fullmatch(endpoint):
        raise SettingsError(f"BILATERAL_S3_ENDPOINT={endpoint!r} must be host[:port], without http://")
    region = _setting("BILATERAL_S3_REGION", "us-east-1")
    if not re.fullmatch(r"[a-z0-9\-]{1,40}", region):
        raise SettingsError(f"BILATERAL_S3_REGION={region!r} is not a region name such as eu-west-1")
    key_id = _setting("BILATERAL_S3_KEY_ID") or os.environ.get("AWS_ACCESS_KEY_ID")
    secret = _setting("BILATERAL_S3_SECRET") or os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not (key_id and secret):  # (instance roles would need DuckDB's aws extension: not supported yet)
        raise SettingsError(
            "an S3 data path needs BILATERAL_S3_KEY_ID and BILATERAL_S3_SECRET "
            "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    return S3Storage(
        region=region,
        endpoint=endpoint,
        url_style=_choice("BILATERAL_S3_URL_STYLE", "vhost", ("vhost", "path")),
        use_ssl=_choice("BILATERAL_S3_USE_SSL", "true", ("true", "false")) == "true",
        key_id=key_id,
        secret=secret,
    )


def _data_path(lake: Path) -> str:
    value = _setting("BILATERAL_DATA_PATH")
    if value is None:
        return f"{lake / 'files'}/"
    if value.startswith("s3://"):
        if not _S3_URL.fullmatch(value):
            raise SettingsError(f"BILATERAL_DATA_PATH={value!r} is not an S3 URL such as s3://bucket/lake/")
        return value.rstrip("/") + "/"
    if "://" in value or "'" in value:
        raise SettingsError(f"BILATERAL_DATA_PATH={value!r}: give a local directory or s3://bucket/prefix/")
    return f"{Path(value).expanduser().resolve()}/"


def resolve(lake: Path) -> LakeSettings:
    """The settings in force for the lake directory `lake` (--lake / $BILATERAL_LAKE)."""
    catalog = _choice("BILATERAL_CATALOG", "sqlite", CATALOGS)
    data_path = _data_path(lake)
    return LakeSettings(
        dir=lake,
        catalog=catalog,
        data_path=data_path,
        postgres=_postgres() if catalog == "postgres" else None,
        s3=_s3() if data_path.startswith("s3://") else None,
    )
