"""cfn-lint (with the SAM expansion of infra/cfn_lint.py) passes on the deployable template and fails on broken ones.

The linter runs in its own environment, .venv-lint, made by the Makefile target on first use (a clean clone
gets it here too; it needs PyPI once). One linter run covers every template of this module.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path

import pytest

from infra import template as tpl

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LINT_PYTHON = ROOT / ".venv-lint" / "bin" / "python"


def _subset(template: dict, *logical_ids: str) -> dict:
    """A few resources of a template, so that the linter's time goes to what a test is about. Functions get
    a literal role and no environment (both refer to resources left out)."""
    out = {k: template[k] for k in ("AWSTemplateFormatVersion", "Transform")}
    out["Resources"] = {k: copy.deepcopy(template["Resources"][k]) for k in logical_ids}
    for resource in out["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["Role"] = "arn:aws:iam::123456789012:role/test"
            resource["Properties"].pop("Environment", None)
    return out


@pytest.fixture(scope="module")
def lint_results(tmp_path_factory) -> dict[str, tuple[str, list[str]]]:
    """file stem -> ("ok" | "FAILED", the problem lines printed for it)."""
    subprocess.run(["make", "--no-print-directory", ".venv-lint/.installed"], cwd=ROOT, check=True)
    tmp = tmp_path_factory.mktemp("cfn")
    files = []
    for stage in tpl.STAGES:
        files.append(tmp / f"sam-{stage}.json")
        files[-1].write_text(json.dumps(tpl.template(stage), indent=2, ensure_ascii=False), encoding="utf-8")

    # The real stream function with its partial-failure switch misspelt: only the SAM expansion shows it.
    misspelt = _subset(tpl.template("dev"), tpl.STREAM_FUNCTION, tpl.STREAM_TABLE, tpl.DEAD_LETTER_QUEUE)
    stream = misspelt["Resources"][tpl.STREAM_FUNCTION]["Properties"]["Events"][tpl.STREAM_EVENT][
        "Properties"
    ]
    stream["FunctionResponseTypes"] = ["BatchItemFailures"]
    files.append(tmp / "misspelt.json")
    files[-1].write_text(json.dumps(misspelt, indent=2), encoding="utf-8")

    # Chalice's own API as it comes: its endpoint type is the string "EDGE".
    files.append(tmp / "chalice-api.json")
    api = _subset(tpl.chalice_template("dev"), tpl.API, "APIHandler", "JwtAuth")
    files[-1].write_text(json.dumps(api, indent=2), encoding="utf-8")

    files.append(FIXTURES / "broken.json")
    run = subprocess.run(
        [str(LINT_PYTHON), "-m", "infra.cfn_lint", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results: dict[str, tuple[str, list[str]]] = {}
    pending: list[str] = []
    for line in run.stdout.splitlines():
        m = re.match(r"cfn-lint (\S+): (ok|FAILED)", line)
        if m:
            results[Path(m.group(1)).stem] = (m.group(2), pending)
            pending = []
        else:
            pending.append(line)
    assert len(results) == len(files), run.stdout + run.stderr
    assert run.returncode == 1  # the broken ones fail the run
    return results


@pytest.mark.parametrize("stage", tpl.STAGES)
def test_the_deployable_template_passes_cfn_lint(lint_results, stage):
    status, problems = lint_results[f"sam-{stage}"]
    assert (status, problems) == ("ok", [])


def test_a_stream_event_without_starting_position_fails(lint_results):
    status, problems = lint_results["broken"]
    assert status == "FAILED"
    assert any("StartingPosition" in p for p in problems), problems


def test_a_misspelt_partial_failure_setting_fails(lint_results):
    status, problems = lint_results["misspelt"]
    assert status == "FAILED"
    assert any("ReportBatchItemFailures" in p for p in problems), problems


def test_chalices_edge_endpoint_string_fails_so_the_merge_must_set_regional(lint_results):
    status, problems = lint_results["chalice-api"]
    assert status == "FAILED"
    assert any("EDGE" in p for p in problems), problems
