"""The sources of the small functions the template deploys as inline code.

CloudFormation takes such code as a string (`Code: {ZipFile: ...}`, at most 4096 characters) and writes it
to `index.py`, hence the handler `index.handler`. Each file here is read when the template is built, so it is
linted and tested like the rest of the code and deployed exactly as it is.
"""

from __future__ import annotations

from pathlib import Path


def inline_code(name: str) -> str:
    """The source of infra/functions/<name>.py, for a function's `ZipFile`."""
    return (Path(__file__).parent / f"{name}.py").read_text(encoding="utf-8")
