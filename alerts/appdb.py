"""The application database: watches, fired alerts and their deliveries, in a SQLite file
beside the lake (LAKE_DIR/app.sqlite), never in the lake and never through the dashboard's
read-only lake connection. stdlib sqlite3; WAL, so a page can read while a run writes.

Exactly once per (watch, rule, period): fired_alerts has that UNIQUE key, and the alert and
its deliveries are inserted in one transaction by whichever run gets there first; the other
run's INSERT OR IGNORE inserts nothing and it sends nothing. A delivery is claimed (status
'sending') by one UPDATE before it is sent, so two runs never send it both; a failed one goes
back to 'failed' and the next run tries it again, up to MAX_ATTEMPTS.

A lake on a PostgreSQL catalog still keeps this file in its local directory (LakeSettings.dir);
a schema in the catalog database is not built yet.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "app.sqlite"
MAX_ATTEMPTS = 8  # then 'gave_up': shown by `alerts list --deliveries`, never retried again
STALE_CLAIM = dt.timedelta(minutes=15)  # a run that died while sending: its claims are retried

SCHEMA = """
create table if not exists watches (
    id integer primary key,
    a text not null,
    b text not null,
    directed integer not null default 0,   -- 1: only events with actor 1 in a and actor 2 in b
    rules text not null,                   -- JSON: {rule name: {threshold name: value}}
    grain text not null default 'week',
    emails text not null default '[]',     -- JSON list of addresses
    webhook text,
    owner text,
    created text not null
);
create table if not exists fired_alerts (
    id integer primary key,
    watch_id integer not null,
    rule text not null,
    period text not null,                  -- first day of the period, YYYY-MM-DD
    snapshot integer not null,             -- the lake snapshot the rule read
    payload text not null,                 -- JSON: what the messages say (message.py)
    created text not null,
    unique (watch_id, rule, period)
);
create table if not exists deliveries (
    id integer primary key,
    alert_id integer not null references fired_alerts(id),
    channel text not null,                 -- 'email' or 'webhook'
    target text not null,
    status text not null default 'pending',  -- pending, sending, sent, failed, gave_up
    attempts integer not null default 0,
    last_error text,
    updated text not null,
    unique (alert_id, channel, target)
);
create index if not exists deliveries_status on deliveries (status);
"""


@dataclass(frozen=True)
class Watch:
    id: int
    a: str
    b: str
    directed: bool
    rules: dict[str, dict[str, float | str]]
    grain: str
    emails: list[str] = field(default_factory=list)
    webhook: str | None = None
    owner: str | None = None
    created: str = ""

    @property
    def direction(self) -> str:
        return "a_to_b" if self.directed else "both"

    def pair(self) -> str:
        return f"{self.a} → {self.b}" if self.directed else f"{self.a}–{self.b}"


@dataclass(frozen=True)
class Delivery:
    id: int
    alert_id: int
    channel: str
    target: str
    attempts: int
    payload: dict


def path_for(lake_dir: Path) -> Path:
    return Path(lake_dir) / FILE_NAME


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class AppDB:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # autocommit; transactions are explicit (BEGIN IMMEDIATE) where two statements go together
        self.con = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.con.row_factory = sqlite3.Row
        self.con.execute("pragma journal_mode=wal")
        self.con.execute("pragma busy_timeout=30000")
        self.con.executescript(SCHEMA)

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.con.execute("begin immediate")
        try:
            yield self.con
        except BaseException:
            self.con.execute("rollback")
            raise
        self.con.execute("commit")

    # --- watches ---------------------------------------------------------------------------

    def add_watch(self, a: str, b: str, *, directed: bool, rules: dict, grain: str, emails: list[str],
                  webhook: str | None, owner: str | None) -> int:
        cur = self.con.execute(
            "insert into watches (a, b, directed, rules, grain, emails, webhook, owner, created) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (a, b, int(directed), json.dumps(rules, sort_keys=True), grain, json.dumps(emails), webhook, owner,
             _now()))
        return int(cur.lastrowid or 0)

    def watches(self, ids: list[int] | None = None) -> list[Watch]:
        rows = self.con.execute("select * from watches order by id").fetchall()
        found = [_watch(r) for r in rows]
        return [w for w in found if ids is None or w.id in ids]

    def watch(self, watch_id: int) -> Watch | None:
        row = self.con.execute("select * from watches where id = ?", (watch_id,)).fetchone()
        return _watch(row) if row else None

    def remove_watch(self, watch_id: int) -> bool:
        """Remove a watch; its fired alerts stay (the history), its unsent deliveries stop."""
        with self._transaction() as con:
            gone = con.execute("delete from watches where id = ?", (watch_id,)).rowcount
            con.execute("update deliveries set status = 'gave_up', last_error = 'watch removed', updated = ? "
                        "where status in ('pending', 'failed') and alert_id in "
                        "(select id from fired_alerts where watch_id = ?)", (_now(), watch_id))
        return bool(gone)

    # --- fired alerts ----------------------------------------------------------------------

    def record_alert(self, watch: Watch, rule: str, period: dt.date, snapshot: int, payload: dict) -> int | None:
        """The alert's id if this call fired it (with one pending delivery per recipient);
        None if it had fired before, by this run or another."""
        with self._transaction() as con:
            cur = con.execute(
                "insert or ignore into fired_alerts (watch_id, rule, period, snapshot, payload, created) "
                "values (?, ?, ?, ?, ?, ?)",
                (watch.id, rule, period.isoformat(), snapshot, json.dumps(payload, default=str), _now()))
            if cur.rowcount != 1:
                return None
            alert_id = int(cur.lastrowid or 0)
            targets = [("email", e) for e in watch.emails] + ([("webhook", watch.webhook)] if watch.webhook else [])
            con.executemany(
                "insert into deliveries (alert_id, channel, target, updated) values (?, ?, ?, ?)",
                [(alert_id, channel, target, _now()) for channel, target in targets])
        return alert_id

    def fired(self, watch_id: int | None = None, limit: int = 1000) -> list[dict]:
        """Fired alerts, newest period first, with their pair and delivery counts."""
        rows = self.con.execute(
            "select f.*, w.a, w.b, w.directed, "
            "  (select count(*) from deliveries d where d.alert_id = f.id and d.status = 'sent') as sent, "
            "  (select count(*) from deliveries d where d.alert_id = f.id and d.status <> 'sent') as unsent "
            "from fired_alerts f left join watches w on w.id = f.watch_id "
            "where ? is null or f.watch_id = ? order by f.period desc, f.id desc limit ?",
            (watch_id, watch_id, limit)).fetchall()
        return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]

    # --- deliveries ------------------------------------------------------------------------

    def claim_due(self) -> list[Delivery]:
        """Take every delivery that is due (new, failed before, or claimed by a run that died):
        each is claimed by one UPDATE, so of two runs at once only one sends it."""
        stale = (dt.datetime.now(dt.UTC) - STALE_CLAIM).isoformat(timespec="seconds")
        rows = self.con.execute(
            "select d.id, d.alert_id, d.channel, d.target, d.attempts, f.payload from deliveries d "
            "join fired_alerts f on f.id = d.alert_id "
            "where d.status in ('pending', 'failed') or (d.status = 'sending' and d.updated < ?) order by d.id",
            (stale,)).fetchall()
        claimed = []
        for r in rows:
            cur = self.con.execute(
                "update deliveries set status = 'sending', attempts = attempts + 1, updated = ? "
                "where id = ? and attempts = ? and (status in ('pending', 'failed') or "
                "(status = 'sending' and updated < ?))",
                (_now(), r["id"], r["attempts"], stale))
            if cur.rowcount == 1:
                claimed.append(Delivery(r["id"], r["alert_id"], r["channel"], r["target"], r["attempts"] + 1,
                                        json.loads(r["payload"])))
        return claimed

    def finish(self, delivery: Delivery, error: str | None) -> str:
        status = "sent" if error is None else "gave_up" if delivery.attempts >= MAX_ATTEMPTS else "failed"
        self.con.execute("update deliveries set status = ?, last_error = ?, updated = ? where id = ?",
                         (status, error, _now(), delivery.id))
        return status

    def deliveries(self, alert_id: int | None = None) -> list[dict]:
        rows = self.con.execute("select * from deliveries where ? is null or alert_id = ? order by id",
                                (alert_id, alert_id)).fetchall()
        return [dict(r) for r in rows]


def _watch(row: sqlite3.Row) -> Watch:
    return Watch(row["id"], row["a"], row["b"], bool(row["directed"]), json.loads(row["rules"]), row["grain"],
                 json.loads(row["emails"]), row["webhook"], row["owner"], row["created"])


def open_db(lake_dir: Path) -> AppDB:
    return AppDB(path_for(lake_dir))
