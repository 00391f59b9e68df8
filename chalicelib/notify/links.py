"""Every link a message carries, built in one place (issue 13): nothing else in chalicelib writes a URL of the
console, of a report or of a map.

The console is a single page served at APP_BASE_URL (locally the API's origin, in AWS CloudFront); its screens
are addressed after '#', so that one index.html serves them all and the API's own errors stay JSON:

- `#/xu-ly/<id>`: the console's page of a report, where the unit's officer acts on it (signs in first): the
  link of the forwarding e-mail and webhook, the deadline notices, the digest, the weekly report and a reopening;
- `#/hop-viec`: the unit's work queue (the digest);
- `#/phan-anh/<id>`: the public page of a report (no sign-in, no personal data), for citizens (their e-mail,
  SMS and push).

A report's location links to OpenStreetMap (`map_url`), which needs no key and shows the point at street level.
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


def map_url(lat: float, lng: float) -> str:
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=17/{lat}/{lng}"
