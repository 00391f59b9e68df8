"""The small functions the template deploys as inline code: their sources, and the resource that runs one.

CloudFormation takes such code as a string (`Code: {ZipFile: ...}`, at most 4096 characters) and writes it
to `index.py`, hence the handler `index.handler`. Each file here is read when the template is built, so it is
linted and tested like the rest of the code and deployed exactly as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.stack import att


def inline_code(name: str) -> str:
    """The source of infra/functions/<name>.py, for a function's `ZipFile`."""
    return (Path(__file__).parent / f"{name}.py").read_text(encoding="utf-8")


def inline_function(name: str, role: str, code: str, timeout: int) -> dict[str, Any]:
    """A small function of the stack's own (a Cognito trigger, a custom resource) with `code` inline; `role`
    is the logical id of its role."""
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": name,
            "Runtime": "python3.13",
            "Handler": "index.handler",
            "Timeout": timeout,
            "MemorySize": 128,
            "Role": att(role),
            "Code": {"ZipFile": code},
        },
    }
