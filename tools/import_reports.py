"""Import historical reports from the province's old system (JSON Lines) into this system.

    python -m tools.import_reports FILE [--source NAME] [--dry-run] [--local [--aws-port 4566]]
    make import FILE=reports.jsonl            # into the running local stack (`make run`)

One report per line (format in docs/statistics.md, "Importing historical reports"). Every line is validated
first; a bad line is reported with its number and skipped, and stores nothing. Each good line is stored as ONE
`received` report (a conditional put, under an id derived from its external id or its content), so running
the same file again stores nothing twice. The reports then take the same stream path as live ones: routing with
the units valid on their day of receipt and the deadlines they had, the old system's outcome (resolved,
rejected, in progress) applied at its original time, the statistics counters, the deadline watch.

Against AWS, run it with the stage's environment (STAGE, AWS credentials and region), as for any admin command.
Exit status: 0 when every line was good, 1 when some lines were skipped, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _local_environment(aws_port: int) -> None:
    """Talk to the local stack's emulated AWS, as `make run` sets it up."""
    from infra.local.devstack import aws_environment

    os.environ.update(aws_environment(aws_port))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Nhập phản ánh hiện trường từ hệ thống cũ (JSON Lines).")
    parser.add_argument("file", type=Path, help="the JSON Lines file, one report per line")
    parser.add_argument("--source", help="name of the old system / batch, kept in each report's history")
    parser.add_argument("--dry-run", action="store_true", help="validate only; store nothing")
    parser.add_argument("--local", action="store_true", help="import into the local stack (make run)")
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("LOCAL_AWS_PORT", "4566")))
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"không tìm thấy tệp {args.file}", file=sys.stderr)
        return 2
    if args.local:
        _local_environment(args.aws_port)
    source = args.source or args.file.stem

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from chalicelib.services.imports import import_lines

    with args.file.open(encoding="utf-8-sig") as fh:
        result = import_lines(fh, source, dry_run=args.dry_run)
    for bad in result.bad_lines:
        print(f"BỎ QUA {bad.text()}", file=sys.stderr)
    verb = "hợp lệ (chạy thử, chưa lưu)" if args.dry_run else "đã nhập"
    print(
        f"{args.file}: {result.total_lines} dòng; {verb}: {len(result.imported)}; "
        f"đã có từ lần nhập trước: {len(result.already_there)}; dòng lỗi bị bỏ qua: {len(result.bad_lines)}"
    )
    return 1 if result.bad_lines else 0


if __name__ == "__main__":
    sys.exit(main())
