"""`python -m ingest alerts add|list|remove|run|test`: the watchlist and its alerts from the
command line (alerts/ does the work). Bad input is one line on stderr, exit 2, nothing changed."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from alerts.names import GRAINS, RULE_THRESHOLDS

if TYPE_CHECKING:
    from alerts import appdb, engine

EXAMPLES = """examples:
  python -m ingest alerts add LBY RUS --rules spike,conflict_jump,first_code --email analyst@example.org
  python -m ingest alerts add USA CHN --rules spike=4,goldstein_drop=2.5,silence=21 --grain month \\
      --webhook https://hooks.example.org/...
  python -m ingest alerts run --from 2025-01-01 --to 2025-12-31 --dry-run    # a backtest: sends nothing
rules: """ + "; ".join(f"{name}" + (f"=<{main}>" if main else "") for name, main in RULE_THRESHOLDS.items())


def add_parser(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser("alerts", help="watchlists and alerts: add, list, remove, run, test",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = cmd.add_subparsers(dest="alerts_command", required=True)
    add = sub.add_parser("add", help="watch a pair of countries")
    add.add_argument("a", metavar="A")
    add.add_argument("b", metavar="B")
    add.add_argument("--rules", required=True, help=f"comma-separated, from {', '.join(RULE_THRESHOLDS)}; "
                                                    "rule=N sets its threshold, e.g. conflict_jump=20")
    add.add_argument("--email", action="append", default=[], metavar="ADDRESS", help="a recipient (repeatable)")
    add.add_argument("--webhook", metavar="URL", help="an incoming-webhook URL (Slack, Mattermost, Teams)")
    add.add_argument("--grain", choices=GRAINS, default="week", help="the period judged (default week)")
    add.add_argument("--directed", action="store_true", help="only events with actor 1 in A and actor 2 in B")
    add.add_argument("--conflict-quads", choices=["4", "3,4"], default="4",
                     help="conflict_jump: material conflict only (4, default) or all conflict (3,4)")
    add.add_argument("--owner", help="who asked for it (free text)")
    listing = sub.add_parser("list", help="the watches, or the alerts they fired")
    listing.add_argument("--fired", action="store_true", help="list fired alerts, newest first, with deliveries")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    remove = sub.add_parser("remove", help="stop watching (fired alerts are kept)")
    remove.add_argument("id", type=int)
    run = sub.add_parser("run", help="judge the latest complete period of every watch; send what fired")
    run.add_argument("--from", dest="start", type=_day, metavar="DATE", help="judge every period starting from")
    run.add_argument("--to", dest="end", type=_day, metavar="DATE", help="... to this day (YYYY-MM-DD)")
    run.add_argument("--dry-run", action="store_true", help="say what would fire; record and send nothing")
    run.add_argument("--watch", type=int, action="append", metavar="ID", help="only this watch (repeatable)")
    test = sub.add_parser("test", help="send a test message to a watch's recipients")
    test.add_argument("id", type=int)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; give YYYY-MM-DD") from None


def run(args: argparse.Namespace, lake: Path) -> int:
    # Imported here, not at the top: the rules need pandas, which a GDELT load never does.
    from alerts import appdb, engine
    from alerts.watches import WatchError, new_watch

    command = args.alerts_command
    if command == "add":
        try:
            watch = new_watch(args.a, args.b, rule_text=args.rules, emails=args.email, webhook_url=args.webhook,
                              grain=args.grain, directed=args.directed, conflict_quads=args.conflict_quads,
                              owner=args.owner)
        except WatchError as err:
            print(f"error: {err}; nothing was added", file=sys.stderr)
            return 2
        if not watch.emails and not watch.webhook:
            print("error: give at least one --email or --webhook; nothing was added", file=sys.stderr)
            return 2
        db = appdb.open_db(lake)
        try:
            new_id = db.add_watch(watch.a, watch.b, directed=watch.directed, rules=watch.rules, grain=watch.grain,
                                  emails=watch.emails, webhook=watch.webhook, owner=watch.owner)
        finally:
            db.close()
        print(f"watch {new_id}: {watch.a}{' → ' if watch.directed else '–'}{watch.b} per {watch.grain}, "
              f"rules {', '.join(watch.rules)}")
        return 0
    if command == "run":
        if args.start and args.end and args.start > args.end:
            print(f"error: --from {args.start} is after --to {args.end}", file=sys.stderr)
            return 2
        report = engine.run(lake, start=args.start, end=args.end, dry_run=args.dry_run, watch_ids=args.watch)
        return _print_run(report, args.dry_run)
    db = appdb.open_db(lake)
    try:
        if command == "list":
            return _list(db, args.fired, args.format)
        watch = db.watch(args.id)
        if watch is None:
            print(f"error: there is no watch {args.id}; see: python -m ingest alerts list", file=sys.stderr)
            return 2
        if command == "remove":
            db.remove_watch(args.id)
            print(f"removed watch {args.id} ({watch.pair()}); its fired alerts are kept")
            return 0
        return _test(watch)
    finally:
        db.close()


def _print_run(report: engine.RunReport, dry_run: bool) -> int:
    if report.as_of is None:
        print("the lake holds no events yet; nothing to judge")
        return 0
    for p in report.findings:
        print(f"{'would fire' if dry_run else 'found'}: watch {p['watch_id']} {p['rule']} {p['period']}: "
              f"{p['sentence']}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    tail = (f"{len(report.findings)} alert(s) would fire; nothing recorded or sent" if dry_run else
            f"{report.fired} new alert(s), {report.already} fired before; deliveries: "
            + ", ".join(f"{n} {status}" for status, n in report.delivered.items()))
    print(f"snapshot {report.snapshot}, data to {report.as_of}: {tail}")
    if report.delivered.get("failed"):
        print("some deliveries failed; they are retried at the next run (see: alerts list --fired)", file=sys.stderr)
    return 0  # a failed delivery never fails the run: it is recorded and retried


def _list(db: appdb.AppDB, fired: bool, fmt: str) -> int:
    from alerts.watches import shown_webhook

    if fired:
        rows = [{"id": r["id"], "watch": r["watch_id"], "pair": r["payload"]["pair"], "rule": r["rule"],
                 "period": r["period"], "snapshot": r["snapshot"], "sent": r["sent"], "unsent": r["unsent"],
                 "sentence": r["payload"]["sentence"]} for r in db.fired()]
    else:
        rows = [{"id": w.id, "pair": w.pair(), "grain": w.grain,
                 "rules": ", ".join(f"{k}" + (f"={v[RULE_THRESHOLDS[k]]:g}" if RULE_THRESHOLDS[k] in v else "")
                                    for k, v in w.rules.items()),
                 "emails": ", ".join(w.emails), "webhook": shown_webhook(w.webhook), "owner": w.owner or ""}
                for w in db.watches()]
    if fmt == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("no fired alerts" if fired else "no watches; add one with: python -m ingest alerts add A B --rules ...")
    for r in rows:
        print("  ".join(f"{k}={v}" for k, v in r.items() if v not in ("", None)))
    return 0


def _test(watch: appdb.Watch) -> int:
    from alerts import appdb, delivery, message
    from alerts.rules import explain
    from alerts.watches import shown_webhook

    rule = next(iter(watch.rules))
    body = {"watch_id": watch.id, "pair": watch.pair(), "a": watch.a, "b": watch.b, "rule": "test",
            "grain": watch.grain, "period": dt.date.today().isoformat(), "numbers": {},
            "sentence": f"Test message for the watch on {watch.pair()}: alerts will arrive like this.",
            "explanation": explain(rule, watch.rules[rule], watch.grain), "top_codes": [], "top_articles": [],
            "link": f"{message.public_url()}/pair?a={watch.a}&b={watch.b}", "snapshot": "latest"}
    settings = delivery.smtp_settings()
    failed = 0
    targets = [("email", e) for e in watch.emails] + ([("webhook", watch.webhook)] if watch.webhook else [])
    for channel, target in targets:
        error = delivery.send(appdb.Delivery(0, 0, channel, target, 1, body), settings)
        shown = target if channel == "email" else shown_webhook(target)
        print(f"{channel} {shown}: {'sent' if error is None else 'failed: ' + error}")
        failed += error is not None
    return 1 if failed else 0
