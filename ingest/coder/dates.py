"""When an event happened, from the words of its sentence and the article's publication date.

Explicit dates win ("3 December 2025", "2025-12-03", "٣ ديسمبر"). Otherwise relative words are
resolved against the publication date: "today"/"اليوم" is that day, "yesterday"/"أمس" the day
before, and a weekday ("on Tuesday", "يوم الثلاثاء") the latest such day on or before it (so a
Wednesday article's "Tuesday" is the day before), or the next one when "next"/"المقبل" goes with
it. A sentence with none of these is dated by the publication date.
"""

from __future__ import annotations

import datetime as dt
import re

from queries.text import fold

_MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # Arabic, Egyptian and Gulf usage (folded spelling)
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
    "يوليو": 7, "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Arabic, Levantine and Iraqi usage
    "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7,
    "اب": 8, "ايلول": 9, "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الاول": 12,
}
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "الاثنين": 0, "الثلاثاء": 1, "الاربعاء": 2, "الخميس": 3, "الجمعه": 4, "السبت": 5, "الاحد": 6,
}
_MONTH = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_WEEKDAY = "|".join(_WEEKDAYS)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\s+(?:من\s+)?({_MONTH})\b\.?(?:\s*\(\s*[^)]*\))?(?:,?\s+(\d{{4}}))?")
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?")
_WEEKDAY_WORD = re.compile(rf"(?:^|[^\w])(?:و|ف)?(?:يوم\s+)?({_WEEKDAY})(?![\w])(\s+(?:المقبل|القادم))?")
_NEXT_WEEKDAY = re.compile(rf"\bnext\s+({_WEEKDAY})\b")
_YESTERDAY = re.compile(r"\byesterday\b|(?:^|[^\w])(?:و|ف)?امس(?![\w])")
_DAY_BEFORE = re.compile(r"اول\s+من\s+امس|the day before yesterday")
_TODAY = re.compile(r"\btoday\b|(?:^|[^\w])(?:و|ف)?اليوم(?![\w])")
EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def resolve(sentence: str, published: dt.date) -> tuple[dt.date, str]:
    """The event date and how it was found: 'explicit', 'relative' or 'published'."""
    text = fold(sentence).translate(EASTERN_DIGITS)
    explicit = _explicit(text, published)
    if explicit:
        return explicit, "explicit"
    if _DAY_BEFORE.search(text):
        return published - dt.timedelta(days=2), "relative"
    if _YESTERDAY.search(text):
        return published - dt.timedelta(days=1), "relative"
    if match := _NEXT_WEEKDAY.search(text):
        return _next(published, _WEEKDAYS[match.group(1)]), "relative"
    if match := _WEEKDAY_WORD.search(text):
        weekday = _WEEKDAYS[match.group(1)]
        if match.group(2):
            return _next(published, weekday), "relative"
        return published - dt.timedelta(days=(published.weekday() - weekday) % 7), "relative"
    if _TODAY.search(text):
        return published, "relative"
    return published, "published"


def _explicit(text: str, published: dt.date) -> dt.date | None:
    if match := _ISO.search(text):
        return _date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        if match := pattern.search(text):
            month = _MONTHS[match.group(month_group)]
            day = int(match.group(day_group))
            if match.group(3):
                return _date(int(match.group(3)), month, day)
            # No year: the latest such date not after publication (news reports the past).
            guess = _date(published.year, month, day)
            if guess and guess > published:
                guess = _date(published.year - 1, month, day)
            return guess
    return None


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _next(published: dt.date, weekday: int) -> dt.date:
    return published + dt.timedelta(days=(weekday - published.weekday()) % 7 or 7)


def from_url(url: str) -> dt.date | None:
    """A publication date written into a URL (/2018/07/26/ or 2018-07-26), if any."""
    match = re.search(r"(?<!\d)(20\d\d|19\d\d)[/-](\d{1,2})[/-](\d{1,2})(?!\d)", url)
    return _date(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None
