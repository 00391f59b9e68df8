"""Size of the Lambda deployment package (what cold starts load and what Lambda limits). Prints figures only.

Uses dist/STAGE/deployment.zip from `make package` when there is one (STAGE from the environment, default dev),
otherwise builds it first (15-50 s: pip fetches the Linux wheels).

Run from the repository root:  python bench/bench_package.py
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.layers import LAYERS
from infra.template import ROOT, package, package_size

LAMBDA_UNZIPPED_LIMIT_MB = 250
TOP = 6


def main() -> None:
    stage = os.environ.get("STAGE", "dev")
    out = ROOT / "dist" / stage
    zip_path = out / "deployment.zip"
    if not zip_path.exists() or not all(
        (out / spec[0]).exists() for spec in LAYERS.values()
    ):  # not split yet
        print(f"package: building {zip_path.relative_to(ROOT)} (make package STAGE={stage})", flush=True)
        package(stage, out)
    zipped, unzipped, files = package_size(zip_path)
    print(f"package: {zipped / 1e6:.1f} MB zipped ({zip_path.relative_to(ROOT)})")
    print(
        f"package: {unzipped / 1e6:.1f} MB unzipped, {files} files "
        f"(Lambda limit {LAMBDA_UNZIPPED_LIMIT_MB} MB unzipped)"
    )
    by_top: Counter[str] = Counter()
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            top = info.filename.split("/", 1)[0]
            by_top[top.removesuffix(".libs") if top.endswith(".libs") else top] += info.file_size
    largest = ", ".join(f"{name} {size / 1e6:.1f}" for name, size in by_top.most_common(TOP))
    print(f"package: largest parts unzipped (MB): {largest}")
    app = sum(size for name, size in by_top.items() if name in ("app.py", "chalicelib", "chalice"))
    print(f"package: the app's own code {app / 1e6:.2f} MB unzipped (app.py, chalicelib, chalice runtime)")
    per_function(out)


def per_function(out: Path) -> None:
    """What each function loads: its code package plus its layers, zipped (as Lambda counts them)."""
    template = json.loads((out / "sam.json").read_text(encoding="utf-8"))
    resources = template["Resources"]
    for logical_id, resource in sorted(resources.items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        parts = [str(props["CodeUri"])]
        for layer in props.get("Layers", []):
            if isinstance(layer, dict) and "Ref" in layer:
                parts.append(str(resources[layer["Ref"]]["Properties"]["ContentUri"]))
        sizes = [(out / p).stat().st_size for p in parts]
        target = " (target <= 25 MB)" if logical_id == "APIHandler" else ""
        print(
            f"package: function {logical_id}: {sum(sizes) / 1e6:.1f} MB zipped, code + layers "
            f"({' + '.join(f'{Path(p).name} {n / 1e6:.1f}' for p, n in zip(parts, sizes, strict=True))}){target}"
        )


if __name__ == "__main__":
    main()
