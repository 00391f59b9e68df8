"""Playwright (PyPI) driving Debian's Chromium against the local stack, for the console's browser tests.

Playwright's own browser download cannot be fetched here, so the system's /usr/bin/chromium is launched (`make
test` installs it when missing). Every page is confined to the machine: a request to anywhere but 127.0.0.1 is
refused and recorded, so a test proves the console needs nothing from elsewhere (map tiles are allowed to fail:
the page must stay usable without them). Screenshots go to test-output/browser/ (gitignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LOCAL = re.compile(r"^(https?://127\.0\.0\.1(:\d+)?/|data:|blob:)")


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs the Debian package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM), args=[*FLAGS, f"--disk-cache-dir={profile}"], headless=True
        )
        yield b
        b.close()


class Console:
    """One person's browser tab on the console, with the requests that left the machine."""

    def __init__(self, browser: Any, base_url: str, viewport: dict[str, int], name: str) -> None:
        self.base_url = base_url
        self.name = name
        self.context = browser.new_context(
            viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
        )
        self.context.set_default_timeout(20_000)
        self.outside: list[str] = []
        self.context.route("**/*", self._confine)
        self.page = self.context.new_page()
        self.api_requests: list[tuple[str, dict[str, str]]] = []
        self.page.on(
            "request", lambda r: self.api_requests.append((r.url, r.headers)) if "/v1/" in r.url else None
        )

    def _confine(self, route: Any) -> None:
        url = route.request.url
        if LOCAL.match(url):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, fragment: str) -> Any:
        self.page.goto(f"{self.base_url}/{fragment}")
        return self.page

    def shot(self, step: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


def sign_in(console: Console, role: str, unit: str | None = None) -> Any:
    """Through the development sign-in page, as a person would."""
    page = console.open("#/dang-nhap")
    page.get_by_label("Vai trò").select_option(label=role)
    if unit:
        page.get_by_label("Đơn vị").select_option(label=unit)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.get_by_role("button", name="Đăng xuất").wait_for()
    return page


def action_buttons(page: Any) -> list[str]:
    group = page.get_by_role("group", name="Thao tác xử lý")
    group.wait_for()
    return [b.strip() for b in group.get_by_role("button").all_inner_texts()]


def unlabelled_fields(page: Any) -> list[str]:
    """Form controls on the page that a screen reader could not name."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.outerHTML)"""
    )
