"""Routes the web console needs (issue 13), as a blueprint that app.py registers with its authorizer and clock.

Each handler parses, makes one service call and responds, like those in app.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import http


def console_blueprint(authorizer: Any, clock: Callable[[], datetime]) -> Blueprint:
    bp = Blueprint(__name__)

    @bp.route("/v1/reports/{report_id}/actions", methods=["GET"], authorizer=authorizer)
    def report_actions(report_id: str) -> Response:
        """The actions the caller may take on the report now, so the console offers no button the API refuses."""
        from chalicelib.api.console_schemas import actions_view
        from chalicelib.wiring import console_service

        caller = http.principal_from_request(bp.current_request)
        result = console_service().actions(report_id, caller)
        return http.json_response(actions_view(result), headers={"Cache-Control": "no-store"})

    @bp.route("/v1/ioc/reports", methods=["GET"], authorizer=authorizer)
    def province_reports() -> Response:
        """Every report of the province for the IOC, newest first, with the console's filters."""
        from chalicelib.api.action_schemas import inbox_row
        from chalicelib.api.console_schemas import province_filters
        from chalicelib.wiring import console_service

        request = bp.current_request
        caller = http.principal_from_request(request)
        query = province_filters(request.query_params)
        now = clock()
        page = console_service().province(caller, now=now, **query)
        return http.json_response(
            {"items": [inbox_row(r, caller, now) for r in page.items], "next_cursor": page.next_cursor}
        )

    return bp
