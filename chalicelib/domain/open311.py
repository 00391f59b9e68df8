"""Open311 GeoReport v2 as this system understands it (docs/open311.md): the status mapping, the province as the
one jurisdiction, and the extra questions ("attributes") a category asks through Open311, kept as data.

Pure domain code: standard library only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from chalicelib.domain.report import Report, Status

JURISDICTION_ID: Final = "dienbien.gov.vn"
ATTRIBUTES_FILE: Final = Path(__file__).resolve().parent.parent / "data" / "open311_attributes.json"

OPEN: Final = "open"
CLOSED: Final = "closed"
# open311.md: received, assigned, in_progress are open; resolved and rejected are closed.
STATUSES_OF: Final[dict[str, frozenset[str]]] = {
    OPEN: frozenset({Status.RECEIVED.value, Status.ASSIGNED.value, Status.IN_PROGRESS.value}),
    CLOSED: frozenset({Status.RESOLVED.value, Status.REJECTED.value}),
}
# History entries after which a report is closed (servicerequestupdates gives each update its status).
CLOSING_ENTRIES: Final = frozenset({"resolved", "rejected"})
DATATYPES: Final = frozenset({"string", "number", "text", "singlevaluelist", "multivaluelist"})


def open311_status(status: Status) -> str:
    return CLOSED if status.value in STATUSES_OF[CLOSED] else OPEN


def status_after(entry_type: str) -> str:
    return CLOSED if entry_type in CLOSING_ENTRIES else OPEN


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True)
class ServiceAttribute:
    code: str
    description: str
    datatype: str
    required: bool
    order: int
    values: tuple[AttributeValue, ...] = ()

    def answer(self, given: list[str]) -> str | None:
        """The answer as the unit reads it (names, not keys); raises ValueError for a value not offered."""
        given = [g.strip() for g in given if g.strip()]
        if not given:
            if self.required:
                raise ValueError("required")
            return None
        if self.datatype in ("singlevaluelist", "multivaluelist"):
            names = {v.key: v.name for v in self.values}
            if any(g not in names for g in given) or (self.datatype == "singlevaluelist" and len(given) > 1):
                raise ValueError("value")
            return ", ".join(names[g] for g in given)
        if self.datatype == "number":
            float(given[0])
        return given[0]


def _attribute(raw: dict[str, Any]) -> ServiceAttribute:
    datatype = str(raw["datatype"])
    if datatype not in DATATYPES:
        raise ValueError(f"unknown attribute datatype {datatype!r}")
    return ServiceAttribute(
        code=str(raw["code"]),
        description=str(raw["description"]),
        datatype=datatype,
        required=bool(raw.get("required", False)),
        order=int(raw.get("order", 1)),
        values=tuple(AttributeValue(str(v["key"]), str(v["name"])) for v in raw.get("values", [])),
    )


@cache
def _attributes(path: str) -> dict[str, tuple[ServiceAttribute, ...]]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return {
        code: tuple(sorted((_attribute(a) for a in items), key=lambda a: a.order))
        for code, items in data["categories"].items()
    }


def attributes_for(category: str, path: Path = ATTRIBUTES_FILE) -> tuple[ServiceAttribute, ...]:
    return _attributes(str(path)).get(category, ())


def answers_text(category: str, given: dict[str, list[str]]) -> tuple[str, list[str]]:
    """The answers to the category's questions as lines for the description, and the codes answered wrongly
    (a value not offered, a missing required answer, a question the category does not ask)."""
    questions = attributes_for(category)
    known = {a.code for a in questions}
    wrong = sorted(code for code in given if code not in known)
    lines = []
    for question in questions:
        try:
            answer = question.answer(given.get(question.code, []))
        except ValueError:
            wrong.append(question.code)
            continue
        if answer is not None:
            lines.append(f"{question.description}: {answer}")
    return "\n".join(lines), wrong


def latest_public_text(report: Report) -> str | None:
    """Open311 `status_notes`: the latest public timeline text (the answer when resolved, the reason when
    rejected, otherwise the last step the public may see)."""
    if report.status == Status.RESOLVED and report.answer:
        return report.answer
    for entry in reversed(report.timeline()):
        if entry.public_text:
            return entry.public_text
    return None


def without_personal_data(text: str | None, report: Report) -> str | None:
    """A text fit for an Open311 answer: the reporter's name, phone and e-mail taken out wherever a unit's letter
    or the citizen's own words put them (Nghị định 13/2023)."""
    if not text:
        return text
    phone = (report.reporter.phone or "").strip()
    other_form = (
        "0" + phone[3:] if phone.startswith("+84") else "+84" + phone[1:] if phone.startswith("0") else ""
    )
    for secret in (report.reporter.name, report.reporter.email, phone, other_form):
        secret = (secret or "").strip()
        if len(secret) >= 2:
            # Whole words only: a short name such as "An" must not garble "An toàn" in the citizen's text.
            text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", "***", text, flags=re.IGNORECASE)
    return text


def key_id_of(api_key: str) -> str | None:
    """The public part of a client key `o311.<key_id>.<secret>` (the record's id), or None if not shaped so."""
    parts = api_key.strip().split(".")
    if len(parts) != 3 or parts[0] != "o311" or not parts[1] or not parts[2]:
        return None
    key_id = parts[1]
    return key_id if len(key_id) <= 32 and all(c in "0123456789abcdef" for c in key_id) else None
