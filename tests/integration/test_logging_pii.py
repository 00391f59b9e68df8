"""No personal data in logs (Nghị định 13/2023; issue 2): the logs of a submission and of the stream processing
of it carry the report's id but neither the reporter's name, phone nor e-mail (nor the bearer token, whose
claims carry them too)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

REPORTER = {"name": "Trần Thị Hoa", "phone": "0987654321", "email": "hoa.tran@example.vn"}
TOKEN_PERSON = {"name": "Phạm Quốc Khánh", "phone_number": "+84977000111", "email": "khanh.pham@example.vn"}
BODY = {
    "category": "moi-truong",
    "description": "Rác thải đổ trộm ven đường, bốc mùi hôi.",
    "location": {"lat": 21.386, "lng": 103.017},
    "address": "Tổ 5, phường Điện Biên Phủ",
    "reporter": REPORTER,
}


class Collector(logging.Handler):
    """Every record any logger emits, formatted the way Powertools writes it to stdout (JSON), plus everything
    the record holds (extra keys, arguments, exception text), so that nothing personal can hide."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.dumps: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        import app

        line = app.logger.registered_formatter.format(record)
        self.lines.append(line)
        self.dumps.append(line)
        self.dumps.append(json.dumps(json.loads(line), ensure_ascii=False, default=str))
        self.dumps.append(repr({k: v for k, v in vars(record).items()}))
        self.dumps.append(record.getMessage())

    def parsed(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]

    def text(self) -> str:
        return "\n".join(self.dumps)

    def clear(self) -> None:
        self.lines.clear()
        self.dumps.clear()


@pytest.fixture
def logs(client) -> Iterator[Collector]:
    """Our loggers at DEBUG (stricter than production's INFO), everything collected at the root."""
    collector = Collector()
    root = logging.getLogger()
    # the app's logger and its children (Powertools gives each child its own level); importing the stream
    # consumers first creates their loggers
    from chalicelib.wiring import stream_consumers

    stream_consumers()

    ours = [
        logging.getLogger(name)
        for name in ["fieldreport", *logging.root.manager.loggerDict]
        if name.split(".")[0] == "fieldreport"
    ]
    before = [logger.level for logger in ours]
    root.addHandler(collector)
    for logger in ours:
        logger.setLevel(logging.DEBUG)
    try:
        yield collector
    finally:
        root.removeHandler(collector)
        for logger, level in zip(ours, before, strict=True):
            logger.setLevel(level)


def _personal_data(token: str) -> list[str]:
    values = [*REPORTER.values(), *TOKEN_PERSON.values(), token]
    values += ["987654321", "977000111"]  # the phone numbers without their prefix
    # JSON may escape non-ASCII text: look for the escaped forms too
    values += [json.dumps(v)[1:-1] for v in values]
    return values


def _assert_no_personal_data(logs: Collector, token: str) -> None:
    text = logs.text()
    for value in _personal_data(token):
        assert value not in text, f"personal data in the logs: {value!r}"


def _submit(client, tokens) -> tuple[str, str]:
    headers = tokens("citizen", sub="citizen-hoa", **TOKEN_PERSON)
    response = client.http.post(
        "/v1/reports", headers={**headers, "Idempotency-Key": "log-test"}, body=json.dumps(BODY)
    )
    assert response.status_code == 201, response.body
    assert json.loads(response.body)["reporter"]["phone"] == REPORTER["phone"]  # it was there to leak
    return json.loads(response.body)["id"], headers["Authorization"].removeprefix("Bearer ")


def test_the_logs_of_a_submission_have_the_report_id_and_no_personal_data(client, tokens, logs):
    report_id, token = _submit(client, tokens)

    assert logs.lines, "the submission logged nothing"
    assert any(line.get("report_id") == report_id for line in logs.parsed())
    _assert_no_personal_data(logs, token)


def test_the_logs_of_the_stream_processing_have_the_report_id_and_no_personal_data(
    client, tokens, stream, logs
):
    report_id, token = _submit(client, tokens)
    logs.clear()

    assert stream.pump() >= 1

    parsed = logs.parsed()
    assert parsed, "the stream processing logged nothing"
    assert any(line.get("report_id") == report_id for line in parsed)
    _assert_no_personal_data(logs, token)
    # the report was processed (so the logs above are those of real work), and a reader may see it
    response = client.http.get(f"/v1/reports/{report_id}", headers=tokens("ioc"))
    assert json.loads(response.body)["reporter"]["name"] == REPORTER["name"]
    _assert_no_personal_data(logs, token)


def test_reading_and_listing_log_no_personal_data(client, tokens, logs):
    report_id, token = _submit(client, tokens)
    headers = {"Authorization": f"Bearer {token}"}
    for path in (f"/v1/reports/{report_id}", "/v1/reports", "/v1/me/reports"):
        assert client.http.get(path, headers=headers).status_code == 200
    _assert_no_personal_data(logs, token)


def test_a_report_id_logged_in_one_invocation_does_not_stick_to_the_next(client, tokens, logs):
    """A warm container runs many invocations; a line of a later one must not carry an earlier report's id."""
    report_id, _ = _submit(client, tokens)
    logs.clear()
    # Sunday 29 November 2026, 07:30 in Vietnam: the digest only logs that it skips the day
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    event["time"] = "2026-11-29T00:30:00Z"
    client.lambda_.invoke("daily_digest", event)
    assert logs.lines
    assert all(line.get("report_id") != report_id for line in logs.parsed())
