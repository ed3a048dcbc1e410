"""Watchlists and alerts (issue 18): pairs people watch, the rules that judge each period of
their events, the alerts that fired (once per watch, rule and period) and their delivery by
e-mail and webhook.

- appdb.py: the application database beside the lake (watches, fired alerts, deliveries);
- watches.py: validating a watch as a person writes it (countries, rules, addresses, webhook);
- rules.py: the rules, pure functions over query results, each with a plain-words explanation;
- engine.py: which periods to judge, the queries that feed the rules, recording what fired;
- message.py: what an alert says (text, HTML, webhook JSON);
- delivery.py: SMTP and webhook sending, settings, retries at the next run.

Layers: alerts imports lake and queries; the ingest CLI (ingest/alerts_command.py) and the
dashboard import alerts; alerts imports neither.
"""
