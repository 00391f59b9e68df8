"""`make calendar-table`: write chalicelib/data/vn_holidays.json, the holidays package's Vietnam for every year the
working-day calendar covers (chalicelib/domain/calendar.py says why it is a table). Run it after upgrading
`holidays`; tests/unit/test_calendar.py fails until the table matches the installed package."""

from __future__ import annotations

import json

from chalicelib.domain.calendar import HOLIDAY_TABLE_PATH, package_table


def main() -> None:
    table = package_table()
    text = json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True)
    HOLIDAY_TABLE_PATH.write_text(text + "\n", encoding="utf-8")
    days = sum(len(y["off"]) + len(y["work"]) for y in table["years"].values())
    print(
        f"{HOLIDAY_TABLE_PATH}: {len(table['years'])} years, {days} days, holidays {table['holidays_version']}"
    )


if __name__ == "__main__":
    main()
