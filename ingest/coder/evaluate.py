"""Score the coder against the hand labels in tests/coder_eval/labels.jsonl.

    python -m ingest.coder.evaluate [--shared DIR]

Per article, the coder's set of country pairs is compared with the labelled set: a pair is a
true positive when both have it. Root codes are scored on the pairs both found (the coder's
root against the label's). Dates likewise, on labelled pairs with a date. The article texts
are read from the team's shared data (the Arabic corpus is CC BY-NC-SA: only labels are in
the repository).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ingest.coder.coder import Article, code_article

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO / "tests" / "coder_eval" / "labels.jsonl"  # the development set: the coder was tuned on its errors
HELDOUT = REPO / "tests" / "coder_eval" / "heldout.jsonl"  # labelled blind, scored after each round of tuning
TEST_EN = REPO / "tests" / "coder_eval" / "test_en.jsonl"  # English, labelled blind; its errors were read in round 3
TEST_EN2 = REPO / "tests" / "coder_eval" / "test_en2.jsonl"  # English, labelled blind, scored once: the honest figure
AR_FILE = "ar_saudinewsnet_bilateral_2015-07-21_to_2015-07-31.jsonl"
EN_FILE = "en_us_china_trade_2018_snippets.csv"


@dataclass
class Score:
    articles: int = 0
    true_pairs: int = 0
    found_pairs: int = 0
    matched_pairs: int = 0
    root_right: int = 0
    dated: int = 0
    date_right: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched_pairs / self.found_pairs if self.found_pairs else 0.0

    @property
    def recall(self) -> float:
        return self.matched_pairs / self.true_pairs if self.true_pairs else 0.0

    @property
    def root_precision(self) -> float:
        """Coded pairs whose CAMEO root is also right, of all coded pairs."""
        return self.root_right / self.found_pairs if self.found_pairs else 0.0

    @property
    def root_recall(self) -> float:
        """Labelled pairs found with the right CAMEO root, of all labelled pairs."""
        return self.root_right / self.true_pairs if self.true_pairs else 0.0

    @property
    def root_accuracy(self) -> float:
        return self.root_right / self.matched_pairs if self.matched_pairs else 0.0

    def add(self, other: Score) -> Score:
        total = Score()
        for name in ("articles", "true_pairs", "found_pairs", "matched_pairs", "root_right", "dated", "date_right"):
            setattr(total, name, getattr(self, name) + getattr(other, name))
        total.misses, total.false_alarms = self.misses + other.misses, self.false_alarms + other.false_alarms
        return total


def default_shared() -> Path:
    return Path(os.environ.get("BILATERAL_SHARED_DATA", REPO.parent / "shared" / "data"))


def labelled_articles(shared: Path, labels: Path = LABELS) -> list[tuple[dict, Article]]:
    """(label, article) for every labelled article, its text read from the shared data."""
    arabic = (shared / "articles" / AR_FILE).read_text(encoding="utf-8").splitlines()
    with (shared / "articles" / EN_FILE).open(encoding="utf-8", newline="") as handle:
        english = list(csv.reader(handle))
    out = []
    for line in labels.read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        published = dt.date.fromisoformat(label["published"]) if label["published"] else None
        if label["corpus"] == "ar":
            raw = json.loads(arabic[label["line"] - 1])
            assert raw["url"] == label["url"], f"ar line {label['line']} is not {label['url']}"
            article = Article(raw["url"], raw["title"], raw["content"],
                              dt.date.fromisoformat(raw["date_extracted"][:10]), None)
        else:
            text, url, _ = english[label["line"]]
            assert url == label["url"], f"en row {label['line']} is not {label['url']}"
            article = Article(url, None, text, published, None)
        out.append((label, article))
    return out


def score(shared: Path, labels: Path = LABELS) -> dict[str, Score]:
    scores = {"ar": Score(), "en": Score()}
    for label, article in labelled_articles(shared, labels):
        s = scores[label["corpus"]]
        truth = {tuple(e["pair"]): e for e in label["events"]}
        coded = {tuple(sorted((e.actor1, e.actor2))): e for e in code_article(article)}
        s.articles += 1
        s.true_pairs += len(truth)
        s.found_pairs += len(coded)
        where = f"{label['corpus']} {label['line']}"
        for pair, event in coded.items():
            if pair not in truth:
                s.false_alarms.append(f"{where}: {'-'.join(pair)} {event.event_code}")
                continue
            s.matched_pairs += 1
            s.root_right += event.root_code == truth[pair]["root"]
            if truth[pair]["date"]:
                s.dated += 1
                s.date_right += event.event_date is not None and event.event_date.isoformat() == truth[pair]["date"]
        s.misses += [f"{where}: {'-'.join(p)} {truth[p]['root']}" for p in truth if p not in coded]
    return scores


def report(scores: dict[str, Score]) -> str:
    rows = ["| corpus | articles | labelled pairs | coded pairs | pair precision | pair recall | pair and root "
            "precision / recall | root accuracy (on matched pairs) | date accuracy (on dated matches) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    present = {name: s for name, s in scores.items() if s.articles}  # (the English test set has no Arabic)
    total = [("all", scores["ar"].add(scores["en"]))] if len(present) > 1 else []
    for name, s in [*present.items(), *total]:
        dates = f"{s.date_right / s.dated:.2f} ({s.date_right}/{s.dated})" if s.dated else "–"
        rows.append(f"| {name} | {s.articles} | {s.true_pairs} | {s.found_pairs} | {s.precision:.2f} | "
                    f"{s.recall:.2f} | {s.root_precision:.2f} / {s.root_recall:.2f} | "
                    f"{s.root_accuracy:.2f} ({s.root_right}/{s.matched_pairs}) | {dates} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m ingest.coder.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared(), help="the shared data directory")
    parser.add_argument("--labels", type=Path, default=LABELS, help=f"labels file (default {LABELS.name}; "
                        f"the held-out set is {HELDOUT.name}, the English test sets {TEST_EN.name} and "
                        f"{TEST_EN2.name})")
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()
    scores = score(args.shared, args.labels)
    print(report(scores))
    if args.errors:
        for name, s in scores.items():
            print(f"\n{name} misses:", *s.misses, sep="\n  ")
            print(f"{name} false alarms:", *s.false_alarms, sep="\n  ")


if __name__ == "__main__":
    main()
