"""The photo and video handler's budget (issue 16), as `.chalice/config.json` states it per stage.

`media_uploaded` decodes photos with Pillow: a 12-megapixel JPEG takes about 35 MB of pixels at a time and a
photo at the 120-megapixel limit (domain/media.py) about 360 MB, besides the interpreter and the upload itself, so
the handler gets far more memory than the API (and with it more CPU: Lambda's CPU share grows with memory). The
timeout covers the largest accepted photo with room; `make bench` prints what a 12-megapixel photo takes.
Chalice writes these into its own template; the merge writes them again so the deployed values are the stated
ones even if the Chalice stage defaults change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.stack import ROOT

MEDIA_HANDLER = "media_uploaded"
MEDIA_FUNCTION = "MediaUploaded"  # Chalice's logical id for the handler above


def media_function_budget(stage: str, project_dir: Path = ROOT) -> dict[str, Any]:
    """{"MemorySize": MB, "Timeout": seconds} of the media handler in `stage`."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text(encoding="utf-8"))
    own = config["stages"][stage]["lambda_functions"][MEDIA_HANDLER]
    return {"MemorySize": int(own["lambda_memory_size"]), "Timeout": int(own["lambda_timeout"])}
