"""A package per need: what each function carries (issue 17).

Chalice builds one deployment.zip for every function. Two things in it are needed by few or none:
- numpy and shapely (17.7 MB of the 46 MB zipped) locate a point among the units' territories, which only
  the stream function does (chalicelib/services/routing.py imports them lazily there). They move into the
  layer `GeoLayer`, attached to the functions listed in GEO_FUNCTIONS only.
- botocore's service models (16 MB zipped) for the ~400 AWS services the app never calls. The package keeps
  the models of the services the code names (`client("sesv2")` and the like, found in app.py and chalicelib
  by `used_services`, so a new client is kept without editing a list here) and of those the libraries call
  themselves (ALWAYS_KEPT).

`split_package` rewrites Chalice's deployment.zip in place and writes geo-layer.zip beside it; `merge` adds
the layer to the template. Another layer (e.g. Pillow for the media function) follows the same pattern: a
prefix list and the functions that get it.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GEO_LAYER = "GeoLayer"
GEO_ZIP = "geo-layer.zip"
# Top-level entries of the package that go to the geo layer (with their .libs and .dist-info).
GEO_PACKAGES = ("numpy", "shapely")
# Chalice's logical ids of the functions that locate a point (the routing consumer runs in the stream function).
GEO_FUNCTIONS = ("HandleReportStream",)
# Services the libraries call themselves (Powertools' tracer: xray; its parameters utility: ssm,
# secretsmanager; credentials: sts, sso) or that a deployment is likely to add next (sns, sqs, cognito-idp).
# Kept whatever the scan finds; each is a few hundred kB at most.
ALWAYS_KEPT = frozenset(
    {
        "dynamodb",
        "dynamodbstreams",
        "s3",
        "ses",
        "sesv2",
        "sns",
        "sqs",
        "ssm",
        "secretsmanager",
        "cognito-idp",
        "xray",
        "sts",
        "sso",
        "sso-oidc",
    }
)
_CLIENT_CALL = re.compile(r"""\bclient\(\s*["']([a-z0-9-]+)["']""")


def used_services(root: Path = ROOT) -> set[str]:
    """The AWS services named in `client("...")` calls of the deployed code (app.py, chalicelib)."""
    found = set(ALWAYS_KEPT)
    for path in [root / "app.py", *sorted((root / "chalicelib").rglob("*.py"))]:
        found.update(_CLIENT_CALL.findall(path.read_text(encoding="utf-8")))
    return found


def _is_geo(name: str) -> bool:
    top = name.split("/", 1)[0]
    return any(top == p or top.startswith((f"{p}.", f"{p}-")) for p in GEO_PACKAGES)


def _unused_model(name: str, keep: set[str]) -> bool:
    """botocore/data/<service>/... of a service not kept (the files directly in botocore/data are kept)."""
    parts = name.split("/")
    return len(parts) > 3 and parts[0] == "botocore" and parts[1] == "data" and parts[2] not in keep


def split_package(zip_path: Path, keep: set[str] | None = None) -> Path:
    """Rewrite `zip_path` without the geo packages and unused service models; write the geo layer beside it
    (its files under python/, where Lambda puts layers on sys.path). Returns the layer's path."""
    keep = used_services() if keep is None else keep
    layer_path = zip_path.parent / GEO_ZIP
    tmp_path = zip_path.with_suffix(".tmp")
    with (
        zipfile.ZipFile(zip_path) as src,
        zipfile.ZipFile(tmp_path, "w", zipfile.ZIP_DEFLATED) as code,
        zipfile.ZipFile(layer_path, "w", zipfile.ZIP_DEFLATED) as layer,
    ):
        for info in src.infolist():
            if _unused_model(info.filename, keep):
                continue
            data = src.read(info)
            if _is_geo(info.filename):
                info.filename = f"python/{info.filename}"
                layer.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            else:
                code.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    tmp_path.replace(zip_path)
    return layer_path


def merge(resources: dict[str, Any], chalice_template: dict[str, Any], app_name: str, stage: str) -> None:
    """Add the geo layer and attach it to the functions that locate a point (into the merge's resources)."""
    resources[GEO_LAYER] = {
        "Type": "AWS::Serverless::LayerVersion",
        "Properties": {
            "LayerName": f"{app_name}-{stage}-geo",
            "Description": "numpy + shapely: locating a report among the units' territories",
            "ContentUri": f"./{GEO_ZIP}",
            "CompatibleRuntimes": ["python3.13"],
            "CompatibleArchitectures": ["x86_64"],
            "RetentionPolicy": "Delete",
        },
    }
    for logical_id in GEO_FUNCTIONS:
        if logical_id in chalice_template["Resources"]:
            props = resources.setdefault(logical_id, {}).setdefault("Properties", {})
            props["Layers"] = [{"Ref": GEO_LAYER}]


def sizes(out_dir: Path) -> dict[str, tuple[int, int]]:
    """(zipped, unzipped) bytes of the code package and of each layer in a package directory."""
    out = {}
    for path in [out_dir / "deployment.zip", out_dir / GEO_ZIP]:
        if path.exists():
            with zipfile.ZipFile(path) as z:
                out[path.name] = (path.stat().st_size, sum(i.file_size for i in z.infolist()))
    return out
