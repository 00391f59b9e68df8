"""`make package` end to end: Chalice builds the Lambda package (Linux wheels from PyPI) and the template.

Runs on a copy of the project in a temporary folder, so the 50 MB zip Chalice caches per content hash does not
pile up in .chalice/deployments. The slowest test of tests/infra (15-50 s, mostly pip); the template checks
in test_template.py use the fast path, which this test shows writes the same template.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _copy_project(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "local")
    for name in ("app.py", "requirements.txt"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "chalicelib", dest / "chalicelib", ignore=ignore)
    shutil.copytree(ROOT / "infra", dest / "infra", ignore=ignore)
    (dest / ".chalice").mkdir()
    shutil.copy2(ROOT / ".chalice" / "config.json", dest / ".chalice" / "config.json")


def test_make_package_writes_the_template_and_a_linux_deployment_package(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    _copy_project(project)
    out = tmp_path / "dist" / "prod"
    run = subprocess.run(  # what `make package STAGE=prod` runs
        [sys.executable, "-m", "infra.template", "package", "--stage", "prod", "--out", str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "MB zipped" in run.stdout and "MB unzipped" in run.stdout

    with zipfile.ZipFile(out / "deployment.zip") as z:
        names = set(z.namelist())
    assert {"app.py", "chalice/app.py", "chalicelib/config.py", "chalicelib/data/units.json"} <= names
    # Compiled dependencies are the Linux builds Lambda runs, not this machine's by accident.
    binaries = [n for n in names if n.endswith(".so") and n.startswith(("pydantic_core/", "shapely/"))]
    assert binaries and all("linux" in n for n in binaries)
    # numpy and shapely ship in the geo layer of the stream function only (infra/layers.py), as Linux builds.
    assert not any(n.startswith(("numpy/", "shapely/")) for n in names)
    with zipfile.ZipFile(out / "geo-layer.zip") as z:
        geo = [n for n in z.namelist() if n.endswith(".so") and n.startswith("python/shapely/")]
    assert geo and all("linux" in n for n in geo)
    # Pillow and pillow-heif ship in the image layer of the upload handler only (issue 16).
    assert not any(n.startswith(("PIL/", "pillow_heif/")) for n in names)
    with zipfile.ZipFile(out / "image-layer.zip") as z:
        image = [n for n in z.namelist() if n.endswith(".so") and n.startswith("python/PIL/")]
    assert image and all("linux" in n or "cpython-313" in n for n in image)

    sam = json.loads((out / "sam.json").read_text(encoding="utf-8"))
    functions = [r for r in sam["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert functions and {f["Properties"]["CodeUri"] for f in functions} == {"./deployment.zip"}

    fast = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra.template",
            "template",
            "--stage",
            "prod",
            "--out",
            str(tmp_path / "t.json"),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fast.returncode == 0, fast.stderr
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8")) == sam
    assert json.loads((out / "merge.json").read_text(encoding="utf-8"))["Resources"]
