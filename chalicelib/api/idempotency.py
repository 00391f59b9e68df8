"""`Idempotency-Key` on POSTs (api.md): a retry with the same key and body returns the first answer and
changes nothing; the same key with another body is a 409. Powertools' idempotency utility keeps the records in
DynamoDB; the key is scoped to the caller so two users can never collide."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from chalicelib.api.http import HttpError
from chalicelib.config import settings

IDEMPOTENCY_TTL_SECONDS = 24 * 3600


@cache
def _persistence() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from chalicelib.aws import client

    # The app's one DynamoDB client: a second one would load botocore's service model again (cold start).
    return DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_client=client("dynamodb"))


def run_idempotent(
    key: str | None, scope: str, body: bytes, call: Callable[[], tuple[int, Any]], lambda_context: Any = None
) -> tuple[int, Any]:
    """Run `call` (returning status and JSON body) once per (scope, key); without a key, just run it."""
    if not key:
        return call()
    if len(key) > 200:
        raise HttpError(400, "invalid_idempotency_key", "Idempotency-Key quá dài (tối đa 200 ký tự).")
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        config.register_lambda_context(lambda_context)

    @idempotent_function(data_keyword_argument="request", persistence_store=_persistence(), config=config)
    def once(request: dict[str, str]) -> dict[str, Any]:
        status, payload = call()
        return {"status": status, "body": payload}

    digest = hashlib.sha256(body or b"").hexdigest()
    try:
        result = once(request={"key": f"{scope}:{key}", "body": digest})
    except IdempotencyValidationError as e:
        raise HttpError(
            409,
            "idempotency_key_reused",
            "Idempotency-Key này đã được dùng cho một yêu cầu có nội dung khác.",
        ) from e
    except IdempotencyAlreadyInProgressError as e:
        raise HttpError(409, "request_in_progress", "Yêu cầu với Idempotency-Key này đang được xử lý.") from e
    return int(result["status"]), json.loads(json.dumps(result["body"]))
