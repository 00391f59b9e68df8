"""Where the stack keeps things: the DynamoDB tables of infra/tables.py (point-in-time recovery, deletion
protection, encryption), the media bucket (private, encrypted, versioned, TLS only, CORS for the apps'
uploads), the queue where stream records that failed every retry wait, and the SES identity mail is sent from.
All but the queue are kept when the stack is deleted.
"""

from __future__ import annotations

import copy
from typing import Any

from infra.iam import policy
from infra.stack import prefix, ref, retained, sub, tags
from infra.tables import definitions

STREAM_TABLE = "ReportsTable"  # the table whose stream the stream handler reads
MEDIA_BUCKET = "MediaBucket"
BUCKET_POLICY = "MediaBucketPolicy"
DEAD_LETTER_QUEUE = "StreamDeadLetterQueue"
SENDER_IDENTITY = "SenderIdentity"
DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def table_names(stage: str) -> dict[str, str]:
    """The tables' names, as chalicelib/config.py derives them (RESOURCE_PREFIX defaults to fieldreport-STAGE)."""
    return {key: f"{prefix(stage)}-{key}" for key in ("reports", "ledger", "stats", "idempotency")}


def media_bucket_name(stage: str) -> dict[str, Any]:
    """Bucket names are global: the account and region make it unique. A name rather than a Ref, because the
    bucket's notification depends on the function, so the function (and its role) must not depend on the bucket."""
    return sub(f"{prefix(stage)}-media-${{AWS::AccountId}}-${{AWS::Region}}")


def media_arn(stage: str, suffix: str = "") -> dict[str, Any]:
    """The ARN of the media bucket (`suffix` ""), or of objects in it (`suffix` "/reports/*", "/*"...)."""
    return {
        "Fn::Sub": [
            f"arn:${{AWS::Partition}}:s3:::${{Bucket}}{suffix}",
            {"Bucket": media_bucket_name(stage)},
        ]
    }


def resources(stage: str) -> dict[str, Any]:
    """The tables, the dead-letter queue, the media bucket and the sender identity."""
    return {
        **tables(stage),
        DEAD_LETTER_QUEUE: dead_letter_queue(stage),
        MEDIA_BUCKET: media_bucket(stage),
        SENDER_IDENTITY: retained("AWS::SES::EmailIdentity", {"EmailIdentity": ref("SenderEmail")}),
    }


def tables(stage: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for logical_id, definition in definitions(table_names(stage)).items():
        props = copy.deepcopy(definition)
        props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
        props["DeletionProtectionEnabled"] = True
        props["SSESpecification"] = {"SSEEnabled": True}
        props["Tags"] = tags(stage)
        out[logical_id] = retained("AWS::DynamoDB::Table", props)
    return out


def dead_letter_queue(stage: str) -> dict[str, Any]:
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": f"{prefix(stage)}-stream-dlq",
            "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
            "SqsManagedSseEnabled": True,
        },
    }


def private_bucket(name: Any) -> dict[str, Any]:
    """A bucket's properties that keep it private: no public access, no ACLs, encrypted, versioned."""
    return {
        "BucketName": name,
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            ]
        },
        "VersioningConfiguration": {"Status": "Enabled"},
    }


def media_bucket(stage: str) -> dict[str, Any]:
    props = private_bucket(media_bucket_name(stage))
    # Apps upload with the presigned POST of chalicelib/media.py and show photos by presigned GET.
    props["CorsConfiguration"] = {
        "CorsRules": [
            {
                "AllowedMethods": ["POST", "GET", "HEAD"],
                "AllowedOrigins": ref("AllowedOrigins"),
                "AllowedHeaders": ["*"],
                "ExposedHeaders": ["ETag", "Location"],
                "MaxAge": 3000,
            }
        ]
    }
    props["LifecycleConfiguration"] = {
        "Rules": [
            {
                "Id": "abort-incomplete-uploads",
                "Status": "Enabled",
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            },
            {"Id": "expire-tmp", "Status": "Enabled", "Prefix": "tmp/", "ExpirationInDays": 1},
            {
                "Id": "expire-old-versions",
                "Status": "Enabled",
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
            },
        ]
    }
    props["Tags"] = tags(stage)
    return retained("AWS::S3::Bucket", props)


def bucket_policy(stage: str) -> dict[str, Any]:
    """The media bucket refuses any request not made over TLS (issue 12)."""
    tls_only = {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [media_arn(stage), media_arn(stage, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {"Bucket": ref(MEDIA_BUCKET), "PolicyDocument": policy([tls_only])},
    }
