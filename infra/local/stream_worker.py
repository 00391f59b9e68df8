"""Feeds the reports table's DynamoDB stream to the app's real stream handler, the way Lambda does.

Used by the local stack (a polling thread) and by integration tests (`pump()` until quiet). Records are
delivered in Lambda's shape (epoch `ApproximateCreationDateTime`, `eventSourceARN`), in batches; when the
handler answers `batchItemFailures`, the batch is retried from the first failed record (Lambda's checkpoint
behaviour with ReportBatchItemFailures), up to `max_attempts`, after which the record is given up on, as
Lambda does after its retries; whatever it failed to do stays recorded as failed for the IOC.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("devstack.stream")


@dataclass
class FakeLambdaContext:
    function_name: str = "fieldreport-dev-handle_report_stream"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-1:000000000000:function:fieldreport-dev"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/fieldreport-dev"
    log_stream_name: str = "local"
    deadline_ms: float = field(default_factory=lambda: time.time() * 1000 + 60_000)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.deadline_ms - time.time() * 1000))


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A dynamodbstreams `get_records` record, reshaped into what Lambda delivers."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": data,
        "eventSourceARN": stream_arn,
    }


class StreamPump:
    """Reads the stream the way a Lambda event source mapping does, and survives what moto does to it.

    moto replaces a table by a deep copy of itself when a TransactWriteItems is refused (a citizen's 21st
    report of the day): a shard iterator taken on the old copy then never returns another record. So the
    pump never keeps an iterator: it remembers the last sequence number it read in each shard and takes a
    fresh iterator after it on every poll (and re-reads the table's stream ARN, should the table be
    recreated). `start="LATEST"` skips what the stream already holds (a restored snapshot's own writes);
    records read but not yet handled are `undelivered()` and can be `requeue`d after a restart.
    """

    def __init__(
        self,
        client_factory: Callable[[str], Any],
        table_name: str,
        handler: Callable[[dict[str, Any], Any], Any],
        region: str,
        batch_size: int = 25,
        max_attempts: int = 3,
        start: str = "TRIM_HORIZON",
        dead_letter: Callable[[dict[str, Any], str], None] | None = None,
    ) -> None:
        self.ddb = client_factory("dynamodb")
        self.streams = client_factory("dynamodbstreams")
        self.table_name = table_name
        self.handler = handler
        self.region = region
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.dead_letter = dead_letter
        self.stream_arn = self._current_stream_arn()
        # shard id -> last sequence number read (not necessarily handled yet: those wait in _pending).
        self._read: dict[str, str] = {}
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self._attempts: dict[str, int] = {}
        self.delivered = 0
        self.given_up: list[str] = []
        if start == "LATEST":
            self._fetch()  # read and drop what is already there
            self._pending = []

    def _current_stream_arn(self) -> str:
        return str(self.ddb.describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"])

    def _iterator(self, shard_id: str) -> str:
        last = self._read.get(shard_id)
        if last is None:
            it = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
            )
        else:
            it = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn,
                ShardId=shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=last,
            )
        return str(it["ShardIterator"])

    def _fetch(self) -> list[tuple[str, dict[str, Any]]]:
        arn = self._current_stream_arn()
        if arn != self.stream_arn:  # a new table: its stream starts afresh
            log.warning("reports table has a new stream %s; following it", arn)
            self.stream_arn, self._read = arn, {}
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        out: list[tuple[str, dict[str, Any]]] = []
        for shard in shards:
            sid = shard["ShardId"]
            iterator: str | None = self._iterator(sid)
            while iterator:
                resp = self.streams.get_records(ShardIterator=iterator, Limit=1000)
                records = resp.get("Records", [])
                if not records:
                    break
                out.extend((sid, r) for r in records)
                self._read[sid] = records[-1]["dynamodb"]["SequenceNumber"]
                iterator = resp.get("NextShardIterator")
        self._pending.extend(out)
        return out

    def undelivered(self) -> list[dict[str, Any]]:
        """Every record in the stream not handled yet, in Lambda's shape (JSON-ready): what a snapshot keeps
        so that a restart delivers them, with their own event ids (the consumers' once-only keys)."""
        self._fetch()
        return [lambda_record(r, self.stream_arn, self.region) for _, r in self._pending]

    def requeue(self, records: list[dict[str, Any]]) -> None:
        """Records saved by `undelivered()` before a restart: delivered first, before anything newer."""
        # Their sequence numbers belong to the old stream and may equal new ones: the batch's failure report
        # names records by sequence number, so the restored ones get numbers no live record has.
        restored = []
        for r in records:
            data = {**r["dynamodb"], "SequenceNumber": f"R{r['dynamodb']['SequenceNumber']}"}
            restored.append(("restored", {**r, "dynamodb": data}))
        self._pending = restored + self._pending

    def _deliver(self, batch: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
        """Invoke the handler once; returns the records to retry (from the first failure on)."""
        event = {"Records": [lambda_record(r, self.stream_arn, self.region) for _, r in batch]}
        try:
            result = self.handler(event, FakeLambdaContext()) or {}
        except Exception:  # the whole invocation failed: Lambda retries the whole batch
            log.exception("stream handler failed")
            return batch
        failures = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        if not failures:
            return []
        first = next((i for i, (_, r) in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failures), 0)
        return batch[first:]

    def _give_up(self, record: dict[str, Any]) -> None:
        """Lambda's OnFailure destination: the record goes to the dead-letter queue, never silently away."""
        seq = record["dynamodb"]["SequenceNumber"]
        log.warning("stream record %s given up after %d attempts", seq, self._attempts.get(seq, 0))
        self.given_up.append(seq)
        if self.dead_letter is not None:
            self.dead_letter(lambda_record(record, self.stream_arn, self.region), "RetryAttemptsExhausted")

    def pump_once(self) -> int:
        """Fetch what is new and deliver it; returns how many records were delivered successfully."""
        self._fetch()
        queue, self._pending = self._pending, []
        done = 0
        while queue:
            batch = queue[: self.batch_size]
            retry = self._deliver(batch)
            done += len(batch) - len(retry)
            if retry:
                seq = retry[0][1]["dynamodb"]["SequenceNumber"]
                self._attempts[seq] = self._attempts.get(seq, 0) + 1
                if self._attempts[seq] >= self.max_attempts:
                    self._give_up(retry[0][1])
                    queue = retry[1:] + queue[len(batch) :]
                    continue
                # Lambda retries the batch from the failed record: keep it for the next round.
                self._pending = retry + queue[len(batch) :]
                break
            queue = queue[len(batch) :]
        self.delivered += done
        return done

    def pump(self, rounds: int = 20) -> int:
        """Deliver until nothing new arrives (handlers write reports, which makes new records)."""
        total = 0
        for _ in range(rounds):
            n = self.pump_once()
            total += n
            if n == 0 and not self._pending:
                break
        return total
