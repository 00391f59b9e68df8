"""cfn-lint on the deployable template, inside its SAM resources too. Runs in .venv-lint (`make lint-cfn`).

cfn-lint checks a SAM template against SAM's own schema without expanding it, so a mistake that only shows
once SAM has expanded a function's events (a stream event without StartingPosition, an on-failure destination
that names a missing queue, a misspelt FunctionResponseTypes value, more retries than Lambda allows) passes.
So each template is linted twice: as written, and after the SAM translator has expanded it into plain
CloudFormation, which is what CloudFormation's transform does at deploy time.

    .venv-lint/bin/python -m infra.cfn_lint dist/cfn-lint/sam-dev.json [more.json ...] [--expanded-dir DIR]

Exit status 0 when every template is clean, 1 otherwise. Imports nothing from the app: this environment has
the linter's pins (aws-sam-translator pins pydantic), not the app's.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

REGION = "ap-southeast-1"
# `aws cloudformation package` replaces the local CodeUri with the uploaded S3 object; the translator wants one.
PLACEHOLDER_CODE_URI = "s3://artifacts-bucket/deployment.zip"


class _NoManagedPolicies:
    """The translator looks up AWS managed policy names only for SAM `Policies`; the template sets roles."""

    def load(self) -> dict[str, str]:
        return {}


def expand(template: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """The template after the SAM transform, or None and the translator's complaints."""
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    # The translator warns about its own usage metrics, which nothing here publishes.
    logging.getLogger("samtranslator.metrics").setLevel(logging.ERROR)
    from samtranslator.public.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    doc = copy.deepcopy(template)
    for resource in doc.get("Resources", {}).values():
        props = resource.get("Properties") or {}
        code = props.get("CodeUri")
        if (
            resource.get("Type") == "AWS::Serverless::Function"
            and isinstance(code, str)
            and "://" not in code
        ):
            props["CodeUri"] = PLACEHOLDER_CODE_URI
        layer = props.get("ContentUri")
        if (
            resource.get("Type") == "AWS::Serverless::LayerVersion"
            and isinstance(layer, str)
            and "://" not in layer
        ):
            props["ContentUri"] = PLACEHOLDER_CODE_URI.replace("deployment.zip", layer.rsplit("/", 1)[-1])
    try:
        return transform(doc, {}, _NoManagedPolicies()), []
    except InvalidDocumentException as e:
        return None, [f"SAM transform: {cause.message}" for cause in e.causes]


def lint_text(text: str, label: str) -> list[str]:
    from cfnlint.api import lint

    return [
        f"{m.rule.id} {m.message} ({label}:{m.linenumber})"
        for m in lint(text, regions=[REGION])
        if m.rule.id[0] in "EW"
    ]


def lint_template(path: Path, expanded_dir: Path) -> list[str]:
    """Problems in the template as written and after the SAM transform (empty when clean)."""
    text = path.read_text(encoding="utf-8")
    problems = lint_text(text, str(path))
    template = json.loads(text)
    if "Transform" not in template:
        return problems
    expanded, errors = expand(template)
    if expanded is None:
        return problems + [f"{e} ({path})" for e in errors]
    out = expanded_dir / f"{path.stem}.expanded.json"
    out.write_text(json.dumps(expanded, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return problems + lint_text(out.read_text(encoding="utf-8"), str(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.cfn_lint", description=__doc__.split("\n")[0])
    parser.add_argument("templates", nargs="+", type=Path)
    parser.add_argument("--expanded-dir", type=Path, help="keep the expanded templates here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        expanded_dir = args.expanded_dir or Path(tmp)
        expanded_dir.mkdir(parents=True, exist_ok=True)
        failed = False
        for path in args.templates:
            problems = lint_template(path, expanded_dir)
            for p in problems:
                print(p)
            print(f"cfn-lint {path}: {'FAILED, ' + str(len(problems)) + ' problem(s)' if problems else 'ok'}")
            failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
