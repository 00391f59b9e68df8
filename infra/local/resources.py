"""Create the application's AWS resources on an emulator from the same definitions that infra/ deploys."""

from __future__ import annotations

from typing import Any

from infra.tables import create_table_params, definitions, table_names_from_settings


def create_resources(settings: Any, client_factory: Any) -> dict[str, str]:
    """Tables (with their indexes, stream and TTL), the media bucket and the verified sender.
    Returns table name -> stream ARN for tables that have a stream. Existing resources are left as they are."""
    ddb = client_factory("dynamodb")
    existing = set(ddb.list_tables().get("TableNames", []))
    streams: dict[str, str] = {}
    for definition in definitions(table_names_from_settings(settings)).values():
        params, ttl = create_table_params(definition)
        name = params["TableName"]
        if name not in existing:
            ddb.create_table(**params)
            if ttl:
                ddb.update_time_to_live(**ttl)
        described = ddb.describe_table(TableName=name)["Table"]
        if described.get("LatestStreamArn"):
            streams[name] = described["LatestStreamArn"]
    s3 = client_factory("s3")
    buckets = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings.media_bucket not in buckets:
        s3.create_bucket(
            Bucket=settings.media_bucket,
            CreateBucketConfiguration={"LocationConstraint": settings.region},
        )
    ses = client_factory("ses")
    ses.verify_email_identity(EmailAddress=settings.sender)
    create_push_applications(settings, client_factory)
    return streams


def create_push_applications(settings: Any, client_factory: Any) -> None:
    """The SNS platform applications for app push (issue 15), named as chalicelib/notify/phone.py looks them
    up where no ARN is configured. In AWS they are made with the real FCM/APNs credentials (docs/deploy.md)."""
    sns = client_factory("sns")
    prefix = settings.reports_table.removesuffix("-reports")
    existing = {
        a["PlatformApplicationArn"].rsplit("/", 1)[-1]
        for a in sns.list_platform_applications().get("PlatformApplications", [])
    }
    for platform, kind in (("fcm", "GCM"), ("apns", "APNS")):
        if f"{prefix}-{platform}" not in existing:
            sns.create_platform_application(
                Name=f"{prefix}-{platform}", Platform=kind, Attributes={"PlatformCredential": "local"}
            )
