"""Check the statistics counters against the reports themselves, for a period (an admin command).

    python -m tools.stats_check --from 2024-04-01 --to 2024-04-30 [--local [--aws-port 4566]]

Prints the IOC table as the counters give it (what GET /v1/stats answers: one Query over the cells), the same
table recomputed from the reports (a Query per unit on the unit index, no Scan), and every difference, cell by
cell and row by row. Exit status 0 when they agree, 1 when they differ, 2 on a usage error. Against AWS, run it
with the stage's environment (STAGE, AWS credentials and region).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path


def _print_table(title: str, table: object) -> None:
    from chalicelib.domain.stats import Table

    assert isinstance(table, Table)
    print(title)
    print(
        f"  {'đơn vị':<8} {'tổng':>6} {'đã GQ':>6} {'đúng hạn':>8} {'từ chối':>7} {'đang XL':>7} {'quá hạn':>7}  tỷ lệ"
    )
    for row in [*table.rows, *([table.province] if table.province else [])]:
        print(
            f"  {row.unit_code:<8} {row.total:>6} {row.resolved:>6} {row.resolved_on_time:>8} {row.rejected:>7} "
            f"{row.open:>7} {row.overdue:>7}  {row.overdue_rate_label}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Đối chiếu số liệu thống kê với các phản ánh.")
    parser.add_argument("--from", dest="start", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument("--local", action="store_true", help="the local stack (make run)")
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("LOCAL_AWS_PORT", "4566")))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if args.local:
        from tools.import_reports import _local_environment

        _local_environment(args.aws_port)

    from chalicelib.domain.errors import InvalidInput
    from chalicelib.services.stats import StatsService, cell_differences, check_period, differences

    try:
        start, end = check_period(args.start, args.end)
    except InvalidInput as e:
        print(e.message, file=sys.stderr)
        return 2
    service = StatsService()
    incremental = service.table(start, end)
    recomputed = service.recompute_table(start, end)
    _print_table(f"Bộ đếm (GET /v1/stats) {start} – {end}:", incremental)
    _print_table(f"Tính lại từ các phản ánh {start} – {end}:", recomputed)
    problems = cell_differences(service.cells(start, end), service.recomputed_cells(start, end))
    problems += differences(incremental, recomputed)
    if not problems:
        print("Khớp: bộ đếm bằng số liệu tính lại.")
        return 0
    print(f"KHÔNG KHỚP ({len(problems)}):")
    for line in problems:
        print(f"  {line}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
