"""Guards of the architecture (house-style.md): dependencies point inward, the HTTP cold start stays light, and no
code path scans a table."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "chalicelib" / "domain"
FORBIDDEN_IN_DOMAIN = {"chalice", "boto3", "botocore", "pynamodb", "aws_lambda_powertools", "moto"}
HEAVY = {"shapely", "holidays", "jinja2", "pydantic"}


def _python_files(*roots: Path) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        files.extend([root] if root.is_file() else sorted(root.rglob("*.py")))
    return files


def _is_dynamic_import(node: ast.Call) -> bool:
    """importlib.import_module("x") or __import__("x") with a literal name."""
    name = getattr(node.func, "attr", getattr(node.func, "id", None))
    first = node.args[0] if node.args else None
    return (
        name in ("import_module", "__import__")
        and isinstance(first, ast.Constant)
        and isinstance(first.value, str)
    )


def _imported_modules(tree: ast.AST, package: str) -> set[str]:
    """Every module an import statement names, anywhere in the file (functions and `if TYPE_CHECKING` too)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                names.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.add(node.module)
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            names.add(node.args[0].value)  # type: ignore[attr-defined]
    return names


@pytest.mark.parametrize("path", _python_files(DOMAIN), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_imports_nothing_of_aws_or_the_web(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported = _imported_modules(tree, "chalicelib.domain")
    bad = sorted(m for m in imported if m.split(".")[0] in FORBIDDEN_IN_DOMAIN)
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: the domain must stay pure Python"
    outward = sorted(
        m
        for m in imported
        if m.startswith("chalicelib.") and not m.startswith(("chalicelib.domain", "chalicelib.data"))
    )
    assert not outward, (
        f"{path.relative_to(ROOT)} imports {outward}: the domain depends on nothing outside it"
    )


# app/blueprints -> services -> domain <- store/notify: each layer may import only the layers it points to
# (issue 11). `api/` parses and renders at the edge; a service takes and returns domain values.
LAYERS = ROOT / "chalicelib"
MAY_NOT_IMPORT = {
    "services": ("chalicelib.api", "chalicelib.routes"),
    "api": ("chalicelib.services", "chalicelib.routes"),
    "store": ("chalicelib.api", "chalicelib.services", "chalicelib.routes", "chalicelib.notify"),
    # notify renders outbound messages; a webhook carries the API's own view of the report (api/views.py)
    "notify": ("chalicelib.services", "chalicelib.routes"),
}


def _layer_violations(path: Path, layer: str) -> list[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    imported = _imported_modules(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), package)
    forbidden = MAY_NOT_IMPORT[layer]
    return sorted(m for m in imported if m == forbidden or m.startswith(forbidden))


@pytest.mark.parametrize(
    ("layer", "path"),
    [(layer, p) for layer in MAY_NOT_IMPORT for p in _python_files(LAYERS / layer)],
    ids=lambda v: v if isinstance(v, str) else str(v.relative_to(ROOT)),
)
def test_dependencies_point_one_way(layer: str, path: Path):
    bad = _layer_violations(path, layer)
    assert not bad, f"{path.relative_to(ROOT)} ({layer}) imports {bad}: see docs/architecture.md"


def test_the_layer_guard_sees_a_service_importing_the_api(tmp_path: Path):
    bad = tmp_path / "services" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("def f():\n    from chalicelib.api.views import report_view\n", encoding="utf-8")
    tree = ast.parse(bad.read_text(encoding="utf-8"))
    imported = _imported_modules(tree, "chalicelib.services.bad")
    assert any(m.startswith(MAY_NOT_IMPORT["services"]) for m in imported)
    api_file = tmp_path / "api.py"
    api_file.write_text("from chalicelib.services.handling import HandlingService\n", encoding="utf-8")
    imported = _imported_modules(ast.parse(api_file.read_text(encoding="utf-8")), "chalicelib.api.x")
    assert any(m.startswith(MAY_NOT_IMPORT["api"]) for m in imported)


MAX_FUNCTION_LINES = 60


def test_no_function_is_longer_than_sixty_lines():
    long = []
    for path in _python_files(ROOT / "chalicelib", ROOT / "app.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "functions longer than 60 lines: " + "; ".join(long)


def test_one_module_decides_access():
    """may_see, may_see_private, sees_internals and acting_role are defined once, in domain/access.py."""
    rules = ("may_see", "may_see_private", "sees_internals", "is_units_officer", "queue_unit", "stats_scope")
    where: dict[str, list[str]] = {}
    for path in _python_files(ROOT / "chalicelib", ROOT / "app.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in rules:
                where.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    assert where == {name: ["chalicelib/domain/access.py"] for name in rules}


def test_one_actor_type():
    """Whoever acts (a token's caller, a unit's system, the import) is a domain.access.Actor."""
    classes = []
    for path in _python_files(ROOT / "chalicelib", ROOT / "app.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        classes += [
            f"{path.relative_to(ROOT)}:{n.name}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ClassDef) and n.name in ("Actor", "Principal", "Caller", "Viewer")
        ]
    assert classes == ["chalicelib/domain/access.py:Actor"]


def test_the_import_guard_sees_imports_inside_functions():
    source = (
        "def f():\n    import boto3\n    from pynamodb.models import Model\n    from chalice import app\n"
    )
    assert {"boto3", "pynamodb.models", "chalice"} <= _imported_modules(
        ast.parse(source), "chalicelib.domain"
    )


def test_importing_the_app_loads_no_heavy_module():
    """The HTTP cold start pays only for what every request needs; shapely, jinja2 and pydantic load in the
    handlers that use them, and holidays only when its table is rebuilt."""
    code = (
        "import json, sys; import app; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(HEAVY)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
        },  # no AWS environment: `chalice package`
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"importing app.py loads {loaded}"


def _scan_calls(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.Attribute) and node.attr in (
            "scan",
            "Scan",
            "parallel_scan",
            "rate_limited_scan",
        ):
            found.append(f"{name}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.Constant) and node.value in ("Scan", "scan"):
            # e.g. client._make_api_call("Scan", ...) or getattr(client, "scan")
            found.append(f"{name}:{node.lineno} {node.value!r}")
    return found


def test_no_code_path_scans_a_table():
    """Every request is a GetItem or a Query page (docs/data-model.md); a Scan reads the whole table."""
    found = [
        hit
        for path in _python_files(ROOT / "chalicelib", ROOT / "app.py")
        for hit in _scan_calls(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, f"Scan in application code: {found}"


def test_the_scan_guard_sees_a_scan():
    source = "def f(model, client):\n    model.scan()\n    client.Scan(TableName='x')\n"
    assert len(_scan_calls(source, "sample.py")) == 2


def test_a_read_or_a_stream_record_never_loads_pydantic():
    """pydantic (about 100 ms to import) is for bodies: the views a read or a webhook sends are plain JSON, and
    a stream batch must not load it before Powertools' batch utility, which would then load ~170 ms of parser
    models (aws_lambda_powertools/utilities/batch/types.py checks sys.modules)."""
    modules = [
        "app",
        "chalicelib.api.views",
        "chalicelib.api.queries",
        "chalicelib.services.reports",
        "chalicelib.services.stream",
        "chalicelib.services.routing",
        "chalicelib.services.forwarding",
        "chalicelib.services.citizen_notify",
        "chalicelib.notify.webhook",
        "chalicelib.routes.events",
    ]
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('pydantic' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]
