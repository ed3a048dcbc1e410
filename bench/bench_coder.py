"""Article coder throughput: articles per second, coder alone and through `python -m ingest articles`.

    .venv/bin/python bench/bench_coder.py [--articles 5000] [--reps 3] [--no-write]

Input: the 781 real articles in ../shared/data/articles (80 Arabic full texts, 701 English
lead paragraphs), resampled with replacement to --articles rows, each with a unique URL (the
coder keys events on the URL, so repeats would be skipped as duplicates). Half the rows get
no language, so detection is part of the cost. Figures go to bench/RESULTS.md between the
coder markers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.coder import evaluate  # noqa: E402
from ingest.coder.coder import Article, code_article  # noqa: E402

RESULTS = REPO / "bench" / "RESULTS.md"
BEGIN, END = "<!-- coder:begin -->", "<!-- coder:end -->"


def real_articles(shared: Path) -> list[dict]:
    import csv

    rows = []
    for line in (shared / "articles" / evaluate.AR_FILE).read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        rows.append({"url": raw["url"], "title": raw["title"], "outlet": raw["source"],
                     "published_at": raw["date_extracted"].replace(" ", "T"), "language": "ar", "body": raw["content"]})
    with (shared / "articles" / evaluate.EN_FILE).open(encoding="utf-8", newline="") as handle:
        for text, url, _ in csv.reader(handle):
            rows.append({"url": url, "title": None, "outlet": None, "published_at": "2018-07-01T00:00:00",
                         "language": "en", "body": text})
    return rows


def resample(rows: list[dict], n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        row = dict(rng.choice(rows))
        row["url"] = f"{row['url']}#bench-{i}"
        if i % 2:
            row["language"] = None  # detected
        out.append(row)
    return out


def coder_alone(rows: list[dict]) -> float:
    articles = [Article(r["url"], r["title"], r["body"], None, r["language"]) for r in rows]
    code_article(articles[0])  # load the dictionaries and the language model once
    start = time.perf_counter()
    for article in articles:
        code_article(article)
    return len(articles) / (time.perf_counter() - start)


def through_cli(rows: list[dict]) -> tuple[float, int, float]:
    """(articles/s, coded events, peak RSS MiB) of `python -m ingest articles` on a fresh lake."""
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.jsonl"
        feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        lake = Path(tmp) / "lake"
        env = {**os.environ, "BILATERAL_MEMORY_LIMIT": "2GB"}
        subprocess.run([sys.executable, "-m", "ingest", "--lake", str(lake), "status"], cwd=REPO, env=env,
                       capture_output=True)  # create the lake outside the timing
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "ingest", "--lake", str(lake), "articles", str(feed)],
                                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        out = proc.stdout.read()
        if status != 0:
            raise SystemExit(f"ingest failed: {proc.stderr.read()[-500:]}")
        coded = int(out.split(" coded events")[0].rsplit(" ", 1)[-1].replace(",", "")) if "coded events" in out else 0
        return len(rows) / elapsed, coded, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=evaluate.default_shared())
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = resample(real_articles(args.shared), args.articles)
    alone = [coder_alone(rows) for _ in range(args.reps)]
    cli = [through_cli(rows) for _ in range(args.reps)]
    load = os.getloadavg()[0]
    block = "\n".join([
        BEGIN,
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores, "
        f"1-minute load average {load:.1f} at the end (the machine is shared).",
        f"{args.articles:,} articles resampled from the 781 real ones (80 Arabic full texts, 701 English "
        "lead paragraphs; half without a language, so detection runs); median of "
        f"{args.reps} runs.",
        "",
        "| path | articles/s | note |",
        "|---|---:|---|",
        f"| coder alone (`code_article`, one process, one core) | {statistics.median(alone):,.0f} | "
        f"runs: {', '.join(f'{x:,.0f}' for x in alone)} |",
        f"| `python -m ingest articles` (read, check, detect language, store, code, commit) | "
        f"{statistics.median(c[0] for c in cli):,.0f} | {cli[0][1]:,} coded events; peak RSS "
        f"{max(c[2] for c in cli):,.0f} MiB |",
        "",
        "Target: at least 200 articles/s on 2 cores.",
        END,
    ])
    print(block)
    if not args.no_write:
        text = RESULTS.read_text(encoding="utf-8")
        if BEGIN in text:
            text = text.split(BEGIN)[0] + block + text.split(END, 1)[1]
        else:
            text += "\n\n## Article coder\n\n" + block + "\n"
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
