"""The IOC table's rules (domain/stats.py): what a report adds, how a row reads, the letter's percentages."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.report import VN_OFFSET, Feedback, Location, Report, Reporter, Status
from chalicelib.domain.stats import (
    CSV_HEADERS,
    CellKey,
    add_vector,
    build_table,
    cells_from_reports,
    contribution,
    delta,
    median_from_histogram,
    overdue_rate,
    table_csv,
)
from chalicelib.domain.units import UnitRegistry

CAL = WorkingCalendar.default()
REG = UnitRegistry.default()
APRIL = (date(2024, 4, 1), date(2024, 4, 30))
DISTRICTS = ["094", "095", "096", "097", "098", "099", "100", "101", "102", "103"]


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN_OFFSET)  # type: ignore[misc]


def report(**kw: object) -> Report:
    base = Report(
        id="01HX0000000000000000000000",
        category="moi-truong",
        description="Rác thải đổ trộm ven đường",
        location=Location(21.38, 103.02),
        reporter=Reporter(sub="c1", name="Nguyễn Văn A", phone="0912345678"),
        received_at=vn(2024, 4, 1, 9, 0),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def assigned(**kw: object) -> Report:
    at = vn(2024, 4, 1, 9, 5)
    defaults: dict[str, object] = {
        "status": Status.ASSIGNED,
        "unit_code": "094",
        "assigned_at": at,
        "triage_due_at": vn(2024, 4, 2, 23, 59, 59),
        "due_at": vn(2024, 4, 9, 23, 59, 59),
    }
    defaults.update(kw)
    return report(**defaults)


@pytest.mark.parametrize(
    ("overdue", "total", "number", "label"),
    [
        (56, 58, 96.6, "96,6%"),  # Thành phố Điện Biên Phủ
        (16, 16, 100.0, "100%"),
        (0, 0, 0.0, "0%"),  # Huyện Điện Biên Đông: nothing forwarded
        (2, 5, 40.0, "40%"),  # Huyện Tủa Chùa
        (0, 1, 0.0, "0%"),  # Thị xã Mường Lay
        (19, 20, 95.0, "95%"),  # Huyện Nậm Pồ
        (123, 130, 94.6, "94,6%"),  # the province: 123 of 130
        (7, 130, 5.4, "5,4%"),
        (1, 8, 12.5, "12,5%"),
        (1, 16, 6.3, "6,3%"),  # 6.25 rounds half up
        (1, 3, 33.3, "33,3%"),
        (2, 3, 66.7, "66,7%"),
    ],
)
def test_overdue_rate_in_vietnamese_format(overdue: int, total: int, number: float, label: str) -> None:
    assert overdue_rate(overdue, total) == (number, label)


def test_median_from_histogram() -> None:
    assert median_from_histogram({}) is None
    assert median_from_histogram({3: 1}) == 3
    assert median_from_histogram({1: 1, 4: 1}) == 2.5
    assert median_from_histogram({0: 2, 5: 1}) == 0
    assert median_from_histogram({1: 1, 2: 1, 10: 1}) == 2
    assert median_from_histogram({2: 0, 6: 3}) == 6


def test_a_report_counts_once_forwarded_and_never_when_a_test() -> None:
    assert contribution(report(), CAL) is None  # received, not yet routed
    assert contribution(assigned(is_test=True), CAL) is None
    key, vector = contribution(assigned(), CAL)  # type: ignore[misc]
    assert key == CellKey(date(2024, 4, 1), "094")
    assert vector == {"total": 1, "open": 1}


def test_receipt_day_is_vietnam_time() -> None:
    # 23:30 UTC on 31 March is 06:30 on 1 April in Vietnam.
    r = assigned(received_at=datetime(2024, 3, 31, 23, 30, tzinfo=UTC))
    assert contribution(r, CAL)[0].day == date(2024, 4, 1)  # type: ignore[index]


def test_resolved_on_time_late_rejected_overdue_and_rating() -> None:
    on_time = assigned(status=Status.RESOLVED, closed_at=vn(2024, 4, 3, 10, 0))
    assert contribution(on_time, CAL)[1] == {"total": 1, "resolved": 1, "resolved_on_time": 1, "wd_2": 1}  # type: ignore[index]
    late = assigned(status=Status.RESOLVED, closed_at=vn(2024, 4, 10, 8, 0))
    assert contribution(late, CAL)[1] == {"total": 1, "resolved": 1, "wd_7": 1}  # type: ignore[index]
    rejected = assigned(status=Status.REJECTED, closed_at=vn(2024, 4, 1, 15, 0))
    assert contribution(rejected, CAL)[1] == {"total": 1, "rejected": 1}  # type: ignore[index]
    overdue = assigned(status=Status.IN_PROGRESS, overdue_since=vn(2024, 4, 10, 0, 0))
    assert contribution(overdue, CAL)[1] == {"total": 1, "open": 1, "overdue": 1}  # type: ignore[index]
    rated = replace(on_time, feedback=Feedback(rating=4, comment=None, at=vn(2024, 4, 4, 9, 0)))
    assert contribution(rated, CAL)[1]["rating_sum"] == 4  # type: ignore[index]
    assert contribution(rated, CAL)[1]["rating_count"] == 1  # type: ignore[index]


def test_extension_is_the_deadline_in_force() -> None:
    extended = assigned(
        status=Status.RESOLVED, due_at=vn(2024, 4, 20, 17, 0), closed_at=vn(2024, 4, 15, 8, 0)
    )
    assert contribution(extended, CAL)[1]["resolved_on_time"] == 1  # type: ignore[index]


def test_working_days_skip_the_holidays_of_30_4_and_1_5_2024() -> None:
    # Assigned Friday 26/4/2024, answered Thursday 2/5: Mon 29/4 was a swapped day off (made up on Saturday
    # 4/5), 30/4 and 1/5 are holidays, so Thursday 2/5 is the first working day counted.
    r = assigned(
        received_at=vn(2024, 4, 26, 8, 0),
        assigned_at=vn(2024, 4, 26, 8, 1),
        status=Status.RESOLVED,
        closed_at=vn(2024, 5, 2, 16, 0),
        due_at=vn(2024, 5, 8, 23, 59, 59),
    )
    assert contribution(r, CAL)[1]["wd_1"] == 1  # type: ignore[index]


def test_delta_moves_a_reassigned_report_and_a_closed_one() -> None:
    old = assigned(overdue_since=vn(2024, 4, 3, 0, 0, 1))
    moved = replace(old, unit_code="100", overdue_since=None)
    d = delta(old, moved, CAL)
    assert d == {
        CellKey(date(2024, 4, 1), "094"): {"total": -1, "open": -1, "overdue": -1},
        CellKey(date(2024, 4, 1), "100"): {"total": 1, "open": 1},
    }
    closed = replace(moved, status=Status.RESOLVED, closed_at=vn(2024, 4, 2, 9, 0))
    assert delta(moved, closed, CAL) == {
        CellKey(date(2024, 4, 1), "100"): {"open": -1, "resolved": 1, "resolved_on_time": 1, "wd_1": 1}
    }
    assert delta(closed, replace(closed, version=9), CAL) == {}  # nothing the table shows changed
    assert delta(None, report(), CAL) == {}  # a new, unrouted report


def test_applying_every_delta_equals_counting_the_final_reports() -> None:
    steps = [
        None,
        report(),
        assigned(),
        assigned(overdue_since=vn(2024, 4, 3, 0, 0, 1)),
        assigned(unit_code="100"),
        assigned(unit_code="100", status=Status.RESOLVED, closed_at=vn(2024, 4, 12, 9, 0)),
    ]
    cells: dict[CellKey, dict[str, int]] = {}
    for old, new in itertools.pairwise(steps):
        for key, vec in delta(old, new, CAL).items():
            add_vector(cells, key, vec)
    assert cells == cells_from_reports([steps[-1]], CAL)  # type: ignore[list-item]


def test_table_lists_every_district_of_2024_even_without_reports() -> None:
    cells = cells_from_reports(
        [
            assigned(),
            assigned(status=Status.RESOLVED, closed_at=vn(2024, 4, 3, 10, 0)),
            assigned(unit_code="098", overdue_since=vn(2024, 4, 3, 0, 0, 1)),
            assigned(unit_code="IOC"),
            assigned(received_at=vn(2024, 5, 1, 9, 0)),  # outside April: ignored
        ],
        CAL,
    )
    table = build_table(cells.items(), *APRIL, REG)
    assert [r.unit_code for r in table.rows] == [*DISTRICTS, "IOC"]  # the IOC only because it holds one
    assert table.row("101").total == 0 and table.row("101").overdue_rate_label == "0%"  # type: ignore[union-attr]
    tp = table.row("094")
    assert tp is not None and (tp.total, tp.resolved, tp.open, tp.median_working_days) == (2, 1, 1, 2)
    assert table.province is not None
    assert (table.province.total, table.province.resolved, table.province.overdue) == (4, 1, 1)
    assert table.province.overdue_rate_label == "25%"
    no_ioc = build_table(cells_from_reports([assigned()], CAL).items(), *APRIL, REG)
    assert "IOC" not in [r.unit_code for r in no_ioc.rows]


def test_units_of_the_period_follow_the_reorganisation() -> None:
    table = build_table([], date(2025, 6, 30), date(2025, 7, 1), REG)
    codes = {r.unit_code for r in table.rows}
    assert set(DISTRICTS) <= codes  # valid on 30/6/2025
    assert "03127" in codes  # Phường Điện Biên Phủ, valid from 1/7/2025
    assert len(codes) == 10 + 45


def test_average_rating_rounds_to_one_decimal() -> None:
    reports = [
        assigned(
            status=Status.RESOLVED,
            closed_at=vn(2024, 4, 3, 10, 0),
            feedback=Feedback(rating=r, comment=None, at=vn(2024, 4, 4, 0, 0)),
        )
        for r in (5, 4, 4)
    ]
    row = build_table(cells_from_reports(reports, CAL).items(), *APRIL, REG).row("094")
    assert row is not None and row.average_rating == 4.3
    empty = build_table([], *APRIL, REG).row("094")
    assert empty is not None and empty.average_rating is None and empty.median_working_days is None


def test_csv_for_excel() -> None:
    cells = cells_from_reports(
        [assigned(overdue_since=vn(2024, 4, 3, 0, 0, 1))] * 2
        + [assigned(status=Status.RESOLVED, closed_at=vn(2024, 4, 2, 10, 0))],
        CAL,
    )
    text = table_csv(build_table(cells.items(), *APRIL, REG))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert tuple(rows[0]) == CSV_HEADERS
    assert rows[1] == [
        "1",
        "UBND Thành phố Điện Biên Phủ",
        "3",
        "1",
        "1",
        "0",
        "2",
        "2",
        "66,7%",
        "1",
        "",
        "0",
    ]
    assert rows[-1][:3] == ["", "Tổng cộng", "3"]
    assert len(rows) == 1 + 10 + 1


def test_dates_are_checked_for_naive_instants() -> None:
    with pytest.raises(ValueError):
        contribution(assigned(received_at=datetime(2024, 4, 1, 9, 0)), CAL)


def test_cell_keys_sort_by_day() -> None:
    keys = [CellKey(date(2024, 4, 10), "094"), CellKey(date(2024, 4, 2), "103")]
    assert sorted(k.sort_key for k in keys) == ["2024-04-02#103", "2024-04-10#094"]
    assert CellKey.from_sort_key("2024-04-02#103") == keys[1]


def test_the_histogram_has_a_fixed_width() -> None:
    from chalicelib.domain.stats import CELL_FIELDS, WD_CAP

    very_late = assigned(status=Status.RESOLVED, closed_at=vn(2024, 7, 1, 9, 0))  # ~60 working days
    assert contribution(very_late, CAL)[1][f"wd_{WD_CAP}"] == 1  # type: ignore[index]
    assert set(contribution(very_late, CAL)[1]) <= set(CELL_FIELDS)  # type: ignore[index]
    assert len(CELL_FIELDS) == 9 + WD_CAP + 1  # eight counters of the letter and ours, "reopened" (issue 15)
