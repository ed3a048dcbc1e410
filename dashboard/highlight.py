"""Showing text from the data safely: everything escaped, right-to-left scripts laid out
right-to-left, and the words a search matched marked. Pure: returns HTML or Markdown strings.

Rule: text that comes from the data or the URL never reaches a Markdown element (st.caption,
st.markdown, st.warning, st.subheader, button labels) as it is: `md()` escapes it, so that
`![x](http://...)` is shown as those characters and no browser fetches or links anything."""

from __future__ import annotations

import html
import math
import re

import pandas as pd

from queries.text import search_form

# Words with their Arabic marks (harakat, shadda, tatweel), which \w alone splits on.
_WORD = re.compile(r"[\w\u0640\u064B-\u065F\u0670]+", re.UNICODE)


# Every ASCII punctuation character: CommonMark lets each be escaped with a backslash, and
# escaped, none can open a link, an image, emphasis, code, math or a Streamlit directive.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def missing(value: object) -> bool:
    """None, NaN (pandas' missing value, which is truthy) or blank text."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def text(value: object, default: str = "") -> str:
    """The value as text, or `default` when it is missing (see missing())."""
    return default if missing(value) else str(value)


def md(value: object, default: str = "") -> str:
    """Data text made safe for a Markdown element: every punctuation mark escaped, line breaks
    as spaces. Shows exactly the characters of the value."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(text(value, default).splitlines()))


def plain(text: str | None) -> str:
    """Escaped text in a block that picks its direction from the text (Arabic reads right-to-left)."""
    return f'<div dir="auto" style="white-space: pre-wrap">{html.escape(text or "")}</div>'


def _matches(word: str, terms: list[str]) -> bool:
    folded = search_form(word)
    # Stemmed index: "tariffs" found "tariff"; mark words that share the term's stem.
    return any(folded == t or (len(t) >= 4 and folded.startswith(t[: max(4, len(t) - 2)])) for t in terms)


def marked(text: str | None, query: str, width: int = 320) -> str:
    """An escaped snippet around the first match, matched words in <mark>, direction auto."""
    text = text or ""
    terms = search_form(query).split()
    words = list(_WORD.finditer(text))
    first = next((m.start() for m in words if _matches(m.group(), terms)), 0)
    lo = max(0, first - width // 3)
    hi = min(len(text), lo + width)
    out, cursor = [], lo
    for m in words:
        if m.end() <= lo or m.start() >= hi:
            continue
        if _matches(m.group(), terms):
            out.append(html.escape(text[cursor:m.start()]))
            out.append(f"<mark>{html.escape(m.group())}</mark>")
            cursor = m.end()
    out.append(html.escape(text[cursor:hi]))
    prefix, suffix = ("… " if lo > 0 else ""), (" …" if hi < len(text) else "")
    return f'<div dir="auto">{prefix}{"".join(out)}{suffix}</div>'
