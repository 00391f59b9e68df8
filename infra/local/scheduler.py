"""EventBridge schedule expressions (`rate(...)`, `cron(...)`, in UTC) evaluated locally.

The local stack fires the app's scheduled handlers at the instants EventBridge would, and `make sla AT=...`
fires one at a chosen instant. Supported cron syntax: numbers, names (JAN-DEC, SUN-SAT), `*`, `?`, lists,
ranges and steps; EventBridge's day-of-week counts 1 = Sunday .. 7 = Saturday. `L`, `W` and `#` are not needed
by this app and are refused.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}
_DAYS = {d: i + 1 for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """The allowed values of one cron field, or None for any."""
    if text in ("*", "?"):
        return None
    if re.search(r"[LW#]", text):
        raise ValueError(f"unsupported cron field: {text}")
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/")
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-")
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    return int(text)


@dataclass(frozen=True)
class Schedule:
    expression: str

    def next_after(self, after: datetime) -> datetime:
        """The first firing strictly after `after` (UTC, whole minutes)."""
        expr = self.expression.strip()
        start = (after.astimezone(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
        rate = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expr)
        if rate:
            n = int(rate.group(1))
            unit = rate.group(2).rstrip("s")
            period = (
                timedelta(minutes=n)
                if unit == "minute"
                else timedelta(hours=n)
                if unit == "hour"
                else timedelta(days=n)
            )
            # Aligned to the epoch so that a restart does not shift the rhythm.
            epoch = datetime(1970, 1, 1, tzinfo=UTC)
            k = (start - epoch) // period
            candidate = epoch + k * period
            return candidate if candidate >= start else candidate + period
        cron = re.fullmatch(r"cron\((.+)\)", expr)
        if not cron:
            raise ValueError(f"unsupported schedule: {expr}")
        parts = cron.group(1).split()
        if len(parts) != 6:
            raise ValueError(f"cron needs 6 fields: {expr}")
        minutes = _field(parts[0], 0, 59)
        hours = _field(parts[1], 0, 23)
        dom = _field(parts[2], 1, 31)
        months = _field(parts[3], 1, 12, _MONTHS)
        dow = _field(parts[4], 1, 7, _DAYS)
        years = _field(parts[5], 1970, 2199)
        t = start
        for _ in range(366 * 24 * 60):
            aws_dow = (t.isoweekday() % 7) + 1  # Sunday = 1
            if (
                (months is None or t.month in months)
                and (years is None or t.year in years)
                and (dom is None or t.day in dom)
                and (dow is None or aws_dow in dow)
                and (hours is None or t.hour in hours)
                and (minutes is None or t.minute in minutes)
            ):
                return t
            t += timedelta(minutes=1)
        raise ValueError(f"no firing within a year: {expr}")


def scheduled_handlers(app_obj: Any) -> dict[str, Schedule]:
    """The app's scheduled functions by handler name, with their expressions."""
    out: dict[str, Schedule] = {}
    for source in getattr(app_obj, "event_sources", []):
        expression = getattr(source, "schedule_expression", None)
        if expression is None:
            continue
        text = expression if isinstance(expression, str) else expression.to_string()
        out[source.name] = Schedule(text)
    return out


def cloudwatch_event(
    at: datetime, rule: str, region: str, detail: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What EventBridge delivers to a scheduled Lambda; `time` is the scheduled instant."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:000000000000:rule/{rule}"],
        "detail": detail or {},
    }
