"""Least privilege, the app's side (issue 12, point 6): deleting a test report deletes its photos (every
version) and its ledger rows, nothing of any other report; a webhook secret is read from SSM Parameter Store at
use, never from the function's environment, so a rotation is picked up by the next delivery."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.factories import stored_report


def _s3():
    from chalicelib import aws

    return aws.client("s3")


def _bucket() -> str:
    from chalicelib.config import settings

    return settings().media_bucket


def _ledger_rows(report_id: str) -> list[tuple[str, str]]:
    from chalicelib.store.cleanup import REPORT_PARTITIONS
    from chalicelib.store.models import LedgerItem

    return [(i.pk, i.sk) for p in REPORT_PARTITIONS for i in LedgerItem.query(f"{p}{report_id}")]


def _with_traces(report_id: str) -> None:
    from chalicelib.services.forwarding import delivery_key
    from chalicelib.store import ledger

    s3 = _s3()
    s3.put_bucket_versioning(Bucket=_bucket(), VersioningConfiguration={"Status": "Enabled"})
    for body in (b"first", b"second"):  # two versions of the same photo
        s3.put_object(Bucket=_bucket(), Key=f"reports/{report_id}/a.jpg", Body=body)
    s3.put_object(Bucket=_bucket(), Key=f"reports/{report_id}/b.mp4", Body=b"video")
    now = datetime.now(UTC)
    ledger.claim(f"citizen#{report_id}", "entry#00001", ledger.CITIZEN, now)
    ledger.claim(*delivery_key(report_id, "03127", now, "email"), ledger.FORWARD, now)
    ledger.claim(f"notice#{report_id}", "triage-breach#unit", ledger.NOTICE, now)


def test_deleting_a_test_report_deletes_its_media_and_ledger_rows_only(client, tokens):
    test_report = stored_report(is_test=True)
    other = stored_report()
    _with_traces(test_report.id)
    _with_traces(other.id)
    assert len(_ledger_rows(test_report.id)) == 3

    response = client.http.delete(f"/v1/reports/{test_report.id}", headers=tokens("tech"))
    assert response.status_code == 204, response.body

    left = _s3().list_object_versions(Bucket=_bucket(), Prefix=f"reports/{test_report.id}/")
    assert left.get("Versions", []) == [] and left.get("DeleteMarkers", []) == []
    assert _ledger_rows(test_report.id) == []
    # The other report keeps everything.
    kept = _s3().list_object_versions(Bucket=_bucket(), Prefix=f"reports/{other.id}/")
    assert len(kept["Versions"]) == 3
    assert len(_ledger_rows(other.id)) == 3


def test_a_webhook_secret_is_read_from_ssm_at_use(aws_env, monkeypatch):
    from chalicelib import aws
    from chalicelib.config import secret

    monkeypatch.delenv("WEBHOOK_SECRET_TEST", raising=False)
    monkeypatch.setenv("SECRETS_PARAMETER_PATH", "/fieldreport-test/webhooks/")
    ssm = aws.client("ssm")
    name = "/fieldreport-test/webhooks/WEBHOOK_SECRET_TEST"
    assert secret("WEBHOOK_SECRET_TEST") is None  # not there: no delivery is signed with nothing
    ssm.put_parameter(Name=name, Value="first-secret", Type="SecureString")
    assert secret("WEBHOOK_SECRET_TEST") == "first-secret"
    ssm.put_parameter(Name=name, Value="rotated-secret", Type="SecureString", Overwrite=True)
    assert secret("WEBHOOK_SECRET_TEST") == "rotated-secret"
