"""The embedded sample holds only what may be redistributed: every file under data/sample/ is in
the manifest of data/sample/README.md with an allowed licence, every article row with text
carries an open licence, and the Arabic seed article (licence unknown) is not copied."""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
ALLOWED = {"GDELT terms", "CC BY 2.5", "CC BY 4.0", "Apache-2.0"}
OPEN_TEXT = {"CC BY 2.5", "CC BY 4.0"}  # the licences under which article text (title, body) may ship
MAX_BYTES = 6 * 1024 * 1024  # "a few MB": the sample is cloned with the code


def manifest() -> dict[str, str]:
    """file -> licence, from the table under '## Manifest' in data/sample/README.md."""
    text = (SAMPLE / "README.md").read_text(encoding="utf-8").split("\n## Manifest\n", 1)[1]
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    parsed = [re.fullmatch(r"\| `([^`]+)` \| (.+?) \| (.+?) \|", row) for row in rows]
    assert all(parsed), [row for row, m in zip(rows, parsed, strict=True) if not m]
    names = [m[1] for m in parsed]
    assert len(names) == len(set(names)), "a file is listed twice"
    return {m[1]: m[3].strip() for m in parsed}


def sample_files() -> list[str]:
    return sorted(
        str(p.relative_to(SAMPLE)) for p in SAMPLE.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )


def article_rows(name: str) -> list[dict]:
    with gzip.open(SAMPLE / name, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_every_sample_file_is_in_the_manifest() -> None:
    assert set(sample_files()) - set(manifest()) == set()


def test_every_manifest_entry_is_a_sample_file() -> None:
    assert set(manifest()) - set(sample_files()) == set()


def test_every_licence_is_allowed() -> None:
    assert {f: lic for f, lic in manifest().items() if lic not in ALLOWED} == {}


def test_the_sample_is_small() -> None:
    assert sum((SAMPLE / f).stat().st_size for f in sample_files()) < MAX_BYTES


@pytest.mark.parametrize("name", [f for f in sample_files() if f.startswith("articles/")])
def test_article_rows_with_text_carry_the_files_open_licence(name: str) -> None:
    licence = manifest()[name]
    rows = article_rows(name)
    assert rows
    for row in rows:
        assert row["license"].startswith(licence), row["url"]  # each row names its own licence
        if row["title"] or row["body"]:
            assert licence in OPEN_TEXT, f"{row['url']}: text under {licence}"
        if licence in OPEN_TEXT:
            assert row["title"] and row["body"], row["url"]


def test_the_us_china_articles_carry_no_publisher_text() -> None:
    rows = article_rows("articles/en_us_china_trade_2018_metadata.jsonl.gz")
    assert all(r["title"] is None and r["body"] is None for r in rows)
    assert not any(
        f.startswith("articles/en_us_china_trade_2018.") for f in sample_files()
    )  # the old scraped file


def _sample_texts() -> list[tuple[str, str]]:
    texts = []
    for name in sample_files():
        raw = (SAMPLE / name).read_bytes()
        if name.endswith(".gz"):
            raw = gzip.decompress(raw)
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                raw = b"".join(z.read(n) for n in z.namelist())
        texts.append((name, raw.decode("utf-8", errors="replace")))
    return texts


@pytest.mark.shared
def test_the_arabic_seed_article_is_not_copied(shared_data: Path) -> None:
    seed = shared_data.parent / "seeds" / "libya-russia-2025-12-03.ar.txt"
    if not seed.is_file():
        pytest.skip(f"{seed} is not present")
    lines = [
        line.strip() for line in seed.read_text(encoding="utf-8").splitlines() if len(line.strip()) >= 30
    ]
    assert len(lines) >= 5, "the seed's sentences, to look for"
    found = [(name, line[:40]) for name, text in _sample_texts() for line in lines if line in text]
    assert found == []
