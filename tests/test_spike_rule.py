"""The spike rule (queries/spikes.py) against its documented numbers, written here on their own:
a threshold of 3.5, at least 4 periods of history, at least 5 events, a spread floored at
sqrt(median + 1). Synthetic series put a period just either side of each edge, so a changed
constant in the module changes what is flagged."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from queries import spikes

THRESHOLD, MIN_HISTORY, MIN_EVENTS = 3.5, 4, 5  # the documented rule, not the module's constants


def series(events: list[int], share: float = 0.2) -> pd.DataFrame:
    periods = pd.date_range("2020-01-01", periods=len(events), freq="MS")
    return pd.DataFrame({"period": periods, "events": events,
                         "conflict": [round(e * share) for e in events]})


def flagged(events: list[int]) -> set[tuple[int, str]]:
    frame = spikes.find_spikes(series(events))
    first = pd.Timestamp("2020-01-01")
    return {((p.year - first.year) * 12 + p.month - first.month, k) for p, k in zip(frame["period"], frame["kind"],
                                                                                  strict=True)}


def z_of(value: int, baseline: int) -> float:
    return (value - baseline) / math.sqrt(baseline + 1)  # steady history: no spread but the floor


@pytest.mark.parametrize("value", [132, 134, 136, 140])
def test_volume_threshold(value: int) -> None:
    # 12 months of 100 events: median 100, no deviation, spread sqrt(101) = 10.05
    expected = {(12, "volume")} if z_of(value, 100) >= THRESHOLD else set()
    assert flagged([100] * 12 + [value]) == expected


def test_a_z_between_3_and_3_5_is_not_a_spike() -> None:
    assert 3.0 <= z_of(132, 100) < THRESHOLD
    assert flagged([100] * 12 + [132]) == set()


def test_the_spread_floor_keeps_a_quiet_pair_quiet() -> None:
    # history of 1 event a month: floor sqrt(2); 5 events is z = 2.83, not a spike (with a floor of
    # sqrt(median) it would be 4.0)
    assert z_of(5, 1) < THRESHOLD
    assert flagged([1] * 12 + [5]) == set()


def test_too_little_history_is_not_judged() -> None:
    assert flagged([10] * (MIN_HISTORY - 1) + [60]) == set()
    assert flagged([10] * MIN_HISTORY + [60]) == {(MIN_HISTORY, "volume")}


def test_too_few_events_are_not_a_spike() -> None:
    assert flagged([0] * 12 + [MIN_EVENTS - 1]) == set()
    assert flagged([0] * 12 + [MIN_EVENTS]) == {(12, "volume")}
