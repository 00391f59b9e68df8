"""Issue 12 in the domain: stored instants have four-digit years and read back; the accepted range; CSV cells
that a spreadsheet would run as formulas; what counts towards a text's length."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.instants import InstantOutOfRange, in_range, parse_day, utc_text
from chalicelib.domain.report import parse_instant
from chalicelib.domain.spreadsheet import neutralise
from chalicelib.domain.stats import table_csv


def test_a_year_below_1000_is_stored_with_four_digits_and_reads_back():
    """strftime("%Y") wrote year 999 as "999-12-31T...", which nothing could parse again."""
    instant = datetime(999, 12, 31, 0, 0, tzinfo=UTC)
    assert utc_text(instant) == "0999-12-31T00:00:00.000Z"
    assert parse_instant(utc_text(instant)) == instant


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_every_instant_reads_back_to_the_millisecond_and_text_order_is_time_order(instant):
    text = utc_text(instant)
    assert len(text) == len("2026-01-01T00:00:00.000Z")
    assert parse_instant(text) == instant.replace(microsecond=instant.microsecond // 1000 * 1000)
    later = instant + timedelta(milliseconds=1)
    if later.year <= 9999:
        assert utc_text(later) > text


@pytest.mark.parametrize(
    "instant",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=7))),
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2101, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=7))),
        # as written in 2000, but 1999 in UTC
        datetime(2000, 1, 1, 3, 0, tzinfo=timezone(timedelta(hours=7))),
    ],
)
def test_instants_outside_2000_to_2100_are_refused(instant):
    with pytest.raises(InstantOutOfRange):
        in_range(instant)


def test_the_range_limits_themselves_are_accepted():
    assert in_range(datetime(2000, 1, 1, tzinfo=UTC)).year == 2000
    assert in_range(datetime(2100, 12, 31, 23, 59, tzinfo=UTC)).year == 2100
    assert parse_day("2100-12-31") == date(2100, 12, 31)
    with pytest.raises(ValueError):
        parse_day("0001-01-01")


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+84912", "'+84912"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("UBND xã Thanh Nưa", "UBND xã Thanh Nưa"),
        ("96,6 %", "96,6 %"),
        ("", ""),
    ],
)
def test_csv_cells_that_would_be_formulas_are_neutralised(cell, shown):
    assert neutralise(cell) == shown


def test_the_stats_csv_neutralises_a_unit_name_that_looks_like_a_formula():
    from chalicelib.domain.stats import Table, row_from_sums

    row = row_from_sums("X", "=cmd|'/c calc'!A1", {"total": 2, "overdue": 1})
    text = table_csv(Table(start=date(2026, 1, 1), end=date(2026, 1, 31), rows=(row,), province=None))
    assert "'=cmd" in text
    assert not any(cell.startswith("=") for line in text.splitlines() for cell in line.split(","))
