"""The IOC's table for the month of the province's letter (../shared/seed/), in the browser.

The letter's 130 reports of April 2024 are imported into a stack of their own with `tools.import_reports
--local` (what `make import` runs), routed by its stream to the districts valid then; the deadline sweep runs
as of 31/5/2024 (`make sla`); the IOC then opens Thống kê for April and reads the letter's rates as people
write them: "96,6%" for Thành phố Điện Biên Phủ, "94,6%" for the province (docs/statistics.md explains why the
letter's own text says 94,8 %).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser import (
    DESKTOP,
    Console,
    sign_in,
)
from tests.e2e.conftest import ROOT, LiveStack, start_stack, stop_stack
from tests.integration.test_letter import LETTER, _letter_lines

IOC = "Tổ điều hành IOC"


def _province(stack: LiveStack) -> dict[str, Any]:
    status, body = stack.request("GET", "/v1/stats?from=2024-04-01&to=2024-04-30", token=stack.token("ioc"))
    assert status == 200, body
    return dict(body["province"])


def _run(*args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def letter_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    folder = tmp_path_factory.mktemp("letter")
    stack = start_stack(folder / "state")
    try:
        source = folder / "paht-thang-4-2024.jsonl"
        source.write_text("\n".join(_letter_lines()) + "\n", encoding="utf-8")
        _run("-m", "tools.import_reports", str(source), "--local", "--aws-port", str(stack.aws_port))
        stack.wait_for(lambda: _province(stack)["total"] == 130, timeout=120)
        _run(
            "-m",
            "infra.local.trigger",
            "--api",
            stack.base_url,
            "deadline_sweep",
            "--at",
            "2024-05-31T09:00:00+07:00",
        )
        stack.wait_for(lambda: _province(stack)["overdue"] == 123, timeout=120)
        yield stack
    finally:
        stop_stack(stack.process)


def test_the_ioc_reads_the_letters_table_for_april_2024(browser: Any, letter_stack: LiveStack) -> None:
    c = Console(browser, letter_stack.base_url, DESKTOP, "letter-table")
    try:
        page = sign_in(c, IOC)
        page.get_by_role("link", name="Thống kê").click()
        page.get_by_label("Từ ngày").fill("2024-04-01")
        page.get_by_label("Đến ngày").fill("2024-04-30")
        page.get_by_role("button", name="Xem", exact=True).click()
        page.get_by_text("Phản ánh tiếp nhận từ").filter(has_text="2024").wait_for()
        province = page.locator("table.stats tfoot tr")
        province.filter(has_text="94,6%").wait_for()
        city = page.locator("table.stats tbody tr").filter(has_text="Thành phố Điện Biên Phủ")
        assert city.locator("td").last.inner_text() == "96,6%"
        for name, total, _, _, label in LETTER.values():
            heading = page.locator("th", has_text=re.compile(rf"{re.escape(name)}$", re.IGNORECASE))
            row = page.locator("table.stats tbody tr").filter(has=heading)
            cells = row.locator("td").all_inner_texts()
            assert cells[0] == str(total) and cells[-1] == label, (name, cells)
        c.shot("1-april-2024")
        assert all("tile.openstreetmap.org" in u for u in c.outside), c.outside
    finally:
        c.close()
