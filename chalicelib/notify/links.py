"""Every link an e-mail carries into the web console, built in one place (issue 13).

The console is a single page served at APP_BASE_URL (locally the API's origin, in AWS CloudFront); its screens
are addressed after '#', so that one index.html serves them all and the API's own errors stay JSON:

- `#/xu-ly/<id>`: the console's page of a report, where the unit's officer acts on it (signs in first);
- `#/hop-viec`: the unit's work queue;
- `#/phan-anh/<id>`: the public page of a report (no sign-in, no personal data), for citizens.
"""

from __future__ import annotations


def _base() -> str:
    from chalicelib.config import settings

    return settings().app_base_url.rstrip("/")


def console_report_url(report_id: str) -> str:
    return f"{_base()}/#/xu-ly/{report_id}"


def console_queue_url() -> str:
    return f"{_base()}/#/hop-viec"


def public_report_url(report_id: str) -> str:
    return f"{_base()}/#/phan-anh/{report_id}"
