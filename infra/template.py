"""The deployable template: Chalice's own SAM template, merged with what the app needs beyond it.

    python -m infra.template package --stage prod --out dist/prod    # sam.json, deployment.zip, merge.json
    python -m infra.template template --stage dev --out sam-dev.json  # the template alone, no zip

This module is the entry point and the names the rest of the code (tests, bench, the Makefile) uses; the
work is in infra/packaging.py (Chalice's packager and the command line) and infra/merge.py (the merge, which
lists the module of each concern).
"""

from __future__ import annotations

import sys

from infra.alarms import ALARM_TOPIC
from infra.api import API
from infra.chalice_functions import STREAM_EVENT, STREAM_FUNCTION, authorizers, functions, handler_name
from infra.iam import STAR_RESOURCE_ACTIONS
from infra.identity import SIGNUP_FUNCTION, USER_POOL, USER_POOL_CLIENT
from infra.least_privilege import AUTHORIZER_ROLE, webhook_secrets
from infra.merge import check_merge_targets, deep_merge, merge_template
from infra.packaging import build_merge, chalice_template, main, package, package_size, template
from infra.stack import ROOT, STAGES
from infra.storage import DEAD_LETTER_QUEUE, MEDIA_BUCKET, STREAM_TABLE, table_names

__all__ = [
    "ALARM_TOPIC",
    "API",
    "AUTHORIZER_ROLE",
    "DEAD_LETTER_QUEUE",
    "MEDIA_BUCKET",
    "ROOT",
    "SIGNUP_FUNCTION",
    "STAGES",
    "STAR_RESOURCE_ACTIONS",
    "STREAM_EVENT",
    "STREAM_FUNCTION",
    "STREAM_TABLE",
    "USER_POOL",
    "USER_POOL_CLIENT",
    "authorizers",
    "build_merge",
    "chalice_template",
    "check_merge_targets",
    "deep_merge",
    "functions",
    "handler_name",
    "main",
    "merge_template",
    "package",
    "package_size",
    "table_names",
    "template",
    "webhook_secrets",
]

if __name__ == "__main__":
    sys.exit(main())
