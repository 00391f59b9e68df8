"""Cache headers of every answer (issue 12).

An answer that may carry personal data or depends on who asks must never be kept by a shared cache (a phone
operator's proxy, a browser on a shared computer in a commune office): `Cache-Control: no-store` on every
answer to a request that carried a token and on every error; `Vary: Authorization` on every answer whose
content may depend on the caller, so a cache never serves one caller's answer to another. Reference data that
is the same for everyone keeps the `public, max-age` its route sets.
"""

from __future__ import annotations

from typing import Any

# Routes whose answer is the same whoever asks (the route sets its own public Cache-Control).
SAME_FOR_EVERYONE = frozenset(
    {"/v1/categories", "/v1/units", "/v1/calendar", "/v1/health", "/v1/openapi.json"}
)


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def add_cache_headers(path: str, request_headers: dict[str, str] | Any, response: Any) -> Any:
    """`response` with Cache-Control and Vary set for `path` as the rules above say."""
    headers = dict(response.headers or {})
    has_token = bool(_header(dict(request_headers or {}), "authorization"))
    public_route = path in SAME_FOR_EVERYONE
    if not public_route or response.status_code >= 400:
        vary = _header(headers, "vary")
        if vary is None:
            headers["Vary"] = "Authorization"
        elif "authorization" not in vary.lower():
            headers = {k: v for k, v in headers.items() if k.lower() != "vary"}
            headers["Vary"] = f"{vary}, Authorization"
    if response.status_code >= 400 or (has_token and not public_route):
        headers = {k: v for k, v in headers.items() if k.lower() != "cache-control"}
        headers["Cache-Control"] = "no-store"
    elif _header(headers, "cache-control") is None:
        # The public list and a report seen anonymously: fresh on every look (a status changes any minute).
        headers["Cache-Control"] = "no-cache"
    response.headers = headers
    return response
