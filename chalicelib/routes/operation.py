"""The one way a route is registered: `@operation(bp, Op(...))` declares the operation's contract (api/
contract.py) and registers the view on the blueprint, guarded so that domain and input errors become api.md's
error shape and anything else a logged 500 without details (Chalice would answer its own 500 before any
middleware sees the exception). Bad input never yields a 5xx.

With `gate`, the declared roles are enforced here, before the view runs, so that the document's roles and the
server's are the same list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from chalice import Blueprint, Response

from chalicelib.api import http
from chalicelib.api.contract import Op, declare
from chalicelib.domain import access

logger = Logger(service="fieldreport", child=True)

View = Callable[..., Response]


def guarded(view: View) -> View:
    @functools.wraps(view)
    def call(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except Exception as exc:
            response = http.error_for(exc)
            if response is not None:
                return response
            logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
            return http.error_response(
                500, "internal_error", "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."
            )

    return call


def operation(bp: Blueprint, op: Op, authorizer: Any = None) -> Callable[[View], View]:
    """Declare `op` and register the decorated view for it on `bp` (with `authorizer` when `op.auth` is
    "bearer"; an "optional" token is read by the view itself)."""
    declare(op)

    def register(view: View) -> View:
        target = view
        if op.gate:
            target = _gated(bp, op, view)
        kwargs: dict[str, Any] = {"methods": [op.method.upper()], "name": view.__name__}
        if op.auth == "bearer":
            kwargs["authorizer"] = authorizer
        if op.body is not None or op.raw is not None:
            kwargs["content_types"] = list(op.content_types)
        bp.route(op.path, **kwargs)(guarded(target))
        return view

    return register


def _gated(bp: Blueprint, op: Op, view: View) -> View:
    @functools.wraps(view)
    def call(*args: Any, **kwargs: Any) -> Response:
        access.require(http.actor_from_request(bp.current_request), *op.roles)
        return view(*args, **kwargs)

    return call
