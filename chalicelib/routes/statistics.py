"""The IOC table (issue 7): GET /v1/stats, as JSON or as CSV for Excel."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import contract as c
from chalicelib.api import http
from chalicelib.routes.common import query_params
from chalicelib.routes.operation import operation

DAY = "ngày dạng YYYY-MM-DD (năm 2000–2100)"


def blueprint(authorizer: Any) -> Blueprint:
    bp = Blueprint(__name__)

    @operation(
        bp,
        c.Op(
            "get",
            "/v1/stats",
            "Bảng thống kê giải quyết phản ánh theo đơn vị; format=csv cho Excel",
            auth="bearer",
            roles=("ioc", "officer"),
            gate=True,
            query=(
                c.day("from", "Ngày nhận đầu tiên (giờ Việt Nam)", required=True),
                c.day("to", "Ngày nhận cuối cùng, không sớm hơn from, tối đa 366 ngày", required=True),
                c.enum("format", ["json", "csv"], "json (mặc định) hoặc csv"),
            ),
            ok={200: "stats_schemas.StatsTable"},
            csv=True,
            errors=(400, 403),
            description="IOC: mọi đơn vị và toàn tỉnh; cán bộ: chỉ dòng của đơn vị mình, không có dòng toàn tỉnh.",
        ),
        authorizer,
    )
    def stats_table() -> Response:
        """The IOC table for `from`..`to` (days of receipt, Vietnam time), from the counters: one Query."""
        from chalicelib.api.stats_schemas import StatsTable
        from chalicelib.domain.instants import parse_day
        from chalicelib.domain.stats import table_csv
        from chalicelib.services.stats import check_period, table_dict
        from chalicelib.wiring import stats_service

        caller = http.actor_from_request(bp.current_request)
        params = query_params(bp)
        start, end = check_period(
            http.parse_query(params, "from", parse_day, DAY), http.parse_query(params, "to", parse_day, DAY)
        )
        fmt = http.parse_query(params, "format", _format, "'json' hoặc 'csv'") or "json"
        table = stats_service().view(start, end, caller)
        if fmt == "json":
            body = StatsTable.model_validate(table_dict(table)).model_dump(mode="json", by_alias=True)
            return http.json_response(body)
        filename = f"thong-ke-paht-{start.isoformat()}_{end.isoformat()}.csv"
        return Response(
            body=table_csv(table.table),
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )

    return bp


def _format(value: str) -> str:
    if value not in ("json", "csv"):
        raise ValueError(value)
    return value
