"""The storage layer under both the dashboard and the ingest CLI.

- `lake.settings`: where the catalog and the data files live (SQLite + local files by default,
  PostgreSQL + S3 when configured), from the environment or `.streamlit/secrets.toml`.
- `lake.connection`: opening the lake, which snapshot a reader sees, the commit gate and the
  recovery of a commit a killed writer left behind.
- `lake.sandbox`: the dashboard's read-only lake, on threads the kernel forbids to write.

Arrows point down only: `dashboard` and `queries` and `ingest` import `lake`; `lake` imports
none of them.
"""
