"""Response schema of GET /v1/stats (api.md, "the table"); the OpenAPI document is generated from it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chalicelib.api.schemas import CodeName, Out


class StatsRow(Out):
    unit: CodeName
    total: Annotated[int, Field(ge=0, description="Tổng PAHT đã chuyển đến đơn vị")]
    resolved: Annotated[int, Field(ge=0, description="Đã giải quyết")]
    resolved_on_time: Annotated[
        int, Field(ge=0, description="Giải quyết đúng hạn (trong thời hạn đang áp dụng)")
    ]
    rejected: Annotated[int, Field(ge=0, description="Từ chối xử lý")]
    open: Annotated[int, Field(ge=0, description="Đang xử lý (chưa đóng)")]
    overdue: Annotated[int, Field(ge=0, description="Quá hạn giải quyết (đang mở và đã quá hạn)")]
    overdue_rate: Annotated[
        float, Field(ge=0, le=100, description="Quá hạn ÷ tổng, phần trăm, 1 chữ số thập phân")
    ]
    overdue_rate_label: Annotated[
        str, Field(description="Tỷ lệ dạng tiếng Việt, ví dụ “96,6%”, “100%”, “0%”")
    ]
    median_working_days: Annotated[
        float | None,
        Field(
            description="Trung vị số ngày làm việc từ khi chuyển xử lý đến khi trả lời (20 nghĩa là từ 20 trở lên)"
        ),
    ]
    average_rating: Annotated[
        float | None, Field(description="Đánh giá trung bình (1–5), 1 chữ số thập phân")
    ]
    reopened: Annotated[int, Field(ge=0, description="Số phản ánh người dân đã mở lại sau khi được trả lời")]


class StatsTable(Out):
    from_: Annotated[str, Field(alias="from", description="Ngày tiếp nhận đầu kỳ (YYYY-MM-DD, giờ Việt Nam)")]
    to: Annotated[str, Field(description="Ngày tiếp nhận cuối kỳ (YYYY-MM-DD, giờ Việt Nam)")]
    rows: list[StatsRow]
    province: Annotated[
        StatsRow | None, Field(description="Dòng tổng toàn tỉnh (Tổ điều hành IOC); null với cán bộ đơn vị")
    ]
