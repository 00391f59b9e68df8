"""A package per need: what each function carries (issue 17).

Chalice builds one deployment.zip for every function. Two things in it are needed by few or none:
- numpy and shapely (17.7 MB of the 46 MB zipped) locate a point among the units' territories, which only
  the stream function does (chalicelib/services/routing.py imports them lazily there). They move into the
  layer `GeoLayer`, attached to the functions listed in GEO_FUNCTIONS only.
- botocore's service models (16 MB zipped) for the ~400 AWS services the app never calls. The package keeps
  the models of the services the code names (`client("sesv2")` and the like, found in app.py and chalicelib
  by `used_services`, so a new client is kept without editing a list here) and of those the libraries call
  themselves (ALWAYS_KEPT).

- Pillow and pillow-heif (issue 16) read photos, which only the upload handler does (chalicelib/imaging.py,
  imported lazily there): they move into `ImageLayer`, attached to the media function only.

`split_package` rewrites Chalice's deployment.zip in place and writes each layer's zip beside it; `merge` adds
the layers to the template. A layer is a prefix list and the functions that get it (LAYERS).
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
IMAGE_LAYER = "ImageLayer"
IMAGE_ZIP = "image-layer.zip"
IMAGE_PACKAGES = ("PIL", "pillow", "pillow_heif")
IMAGE_FUNCTIONS = ("MediaUploaded",)
# logical id -> (zip file, top-level packages, functions that get it, description)
LAYERS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str]] = {
    GEO_LAYER: (
        GEO_ZIP,
        GEO_PACKAGES,
        GEO_FUNCTIONS,
        "numpy + shapely: locating a report among the units' territories",
    ),
    IMAGE_LAYER: (
        IMAGE_ZIP,
        IMAGE_PACKAGES,
        IMAGE_FUNCTIONS,
        "Pillow + pillow-heif: checking photos and deriving images without metadata",
    ),
}
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


def _layer_of(name: str) -> str | None:
    """The layer a package entry belongs to (with its .libs and .dist-info), or None for the code package."""
    top = name.split("/", 1)[0]
    for layer, (_, packages, _, _) in LAYERS.items():
        if any(top == p or top.startswith((f"{p}.", f"{p}-")) for p in packages):
            return layer
    return None


def _unused_model(name: str, keep: set[str]) -> bool:
    """botocore/data/<service>/... of a service not kept (the files directly in botocore/data are kept)."""
    parts = name.split("/")
    return len(parts) > 3 and parts[0] == "botocore" and parts[1] == "data" and parts[2] not in keep


def split_package(zip_path: Path, keep: set[str] | None = None) -> Path:
    """Rewrite `zip_path` without the layers' packages and unused service models; write each layer beside it
    (its files under python/, where Lambda puts layers on sys.path). Returns the geo layer's path."""
    keep = used_services() if keep is None else keep
    tmp_path = zip_path.with_suffix(".tmp")
    outs = {
        layer: zipfile.ZipFile(zip_path.parent / spec[0], "w", zipfile.ZIP_DEFLATED)
        for layer, spec in LAYERS.items()
    }
    try:
        with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(tmp_path, "w", zipfile.ZIP_DEFLATED) as code:
            for info in src.infolist():
                if _unused_model(info.filename, keep):
                    continue
                data = src.read(info)
                layer = _layer_of(info.filename)
                if layer is not None:
                    info.filename = f"python/{info.filename}"
                    outs[layer].writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                else:
                    code.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    finally:
        for out in outs.values():
            out.close()
    tmp_path.replace(zip_path)
    return zip_path.parent / GEO_ZIP


def merge(resources: dict[str, Any], chalice_template: dict[str, Any], app_name: str, stage: str) -> None:
    """Add the layers and attach each to the functions that need it (into the merge's resources)."""
    for layer, (zip_name, _, functions, description) in LAYERS.items():
        resources[layer] = {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "LayerName": f"{app_name}-{stage}-{zip_name.removesuffix('-layer.zip')}",
                "Description": description,
                "ContentUri": f"./{zip_name}",
                "CompatibleRuntimes": ["python3.13"],
                "CompatibleArchitectures": ["x86_64"],
                "RetentionPolicy": "Delete",
            },
        }
        for logical_id in functions:
            if logical_id in chalice_template["Resources"]:
                props = resources.setdefault(logical_id, {}).setdefault("Properties", {})
                props["Layers"] = [*props.get("Layers", []), {"Ref": layer}]


def sizes(out_dir: Path) -> dict[str, tuple[int, int]]:
    """(zipped, unzipped) bytes of the code package and of each layer in a package directory."""
    out = {}
    for path in [out_dir / "deployment.zip", *(out_dir / spec[0] for spec in LAYERS.values())]:
        if path.exists():
            with zipfile.ZipFile(path) as z:
                out[path.name] = (path.stat().st_size, sum(i.file_size for i in z.infolist()))
    return out
