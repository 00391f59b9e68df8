"""Generate chalicelib/data/units.json from the boundary data in chalicelib/data/boundaries/.

Run once from the repository root::

    python tools/build_units.py            # refuses to overwrite an existing units.json
    python tools/build_units.py --force    # regenerate (loses hand edits: e-mails, webhooks, rules)
    python tools/build_units.py --stdout   # print instead of writing

The generated file is committed and is then hand-editable data: the e-mail addresses are placeholders
on the domain ``dienbien.example.vn`` that the province replaces with real ones; webhooks and category
rules are added by hand.  The script only uses the standard library.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "chalicelib" / "data"
BOUNDARIES_DIR = DATA_DIR / "boundaries"
OUTPUT = DATA_DIR / "units.json"

COMMUNES_FILE = "communes-2025.geojson"
DISTRICTS_FILE = "districts-2020-2025-approx.geojson"
ADMIN_UNITS_FILE = "admin-units.json"

COMMUNES_VALID_FROM = "2025-07-01"
DISTRICTS_VALID_FROM = "2020-01-01"
DISTRICTS_VALID_TO = "2025-06-30"
EMAIL_DOMAIN = "dienbien.example.vn"

COMMENT = [
    "Handling units of Điện Biên, hand-editable. Generated once by tools/build_units.py; edit this "
    "file, do not regenerate it (regenerating loses the edits).",
    "E-mail addresses on dienbien.example.vn are PLACEHOLDERS: replace them with the real addresses.",
    "Dates are ISO dates in local time (Asia/Ho_Chi_Minh); valid_to is inclusive, null = still valid. "
    "A report is routed with the units valid on its day of receipt.",
    "kind: ward | commune | district | city | town | ioc | department.",
    "boundary: {file, code} names a feature (properties.code) of a GeoJSON file in boundaries/, or "
    "null (no territory: the IOC and provincial departments).",
    'webhook: null or {"url": "https://...", "secret_env": "WEBHOOK_SECRET_03127"}; secret_env is the '
    "NAME of the environment variable / parameter holding the signing secret; never the secret itself.",
    "fallback: code of the unit that receives reports no unit can take (outside the province, no "
    "valid unit).",
    'category_rules: [{"category": "giao-thong", "unit": "SO-XD", "valid_from": "2025-07-01", '
    '"valid_to": null, "note": "why"}]. A rule valid on the day of receipt sends every report of that '
    "category to its unit, whatever the location; the first matching rule wins. Departments get "
    "reports only through such rules.",
]

DEPARTMENTS = [
    # Example of a provincial department (Sở Xây dựng exists after the 2025 mergers: it absorbed Sở
    # Giao thông vận tải).  Departments receive reports only through category rules (none by default).
    {
        "code": "SO-XD",
        "name": "Sở Xây dựng tỉnh Điện Biên",
        "short_name": "Sở Xây dựng",
        "email_local": "soxd",
    },
]


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _district_kind(name: str) -> str:
    if name.startswith("Thành phố "):
        return "city"
    if name.startswith("Thị xã "):
        return "town"
    if name.startswith("Huyện "):
        return "district"
    raise ValueError(f"unknown district-level prefix: {name!r}")


def _commune_kind(name: str) -> str:
    if name.startswith("Phường "):
        return "ward"
    if name.startswith("Xã "):
        return "commune"
    raise ValueError(f"unknown commune-level prefix: {name!r}")


def _feature_codes(geojson: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(f["properties"]["code"]): f["properties"] for f in geojson["features"]}


def _unit(
    code: str,
    name: str,
    short_name: str,
    kind: str,
    valid_from: str,
    valid_to: str | None,
    email: str,
    boundary: dict[str, str] | None,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "short_name": short_name,
        "kind": kind,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "emails": [email],
        "webhook": None,
        "boundary": boundary,
    }


def build(boundaries_dir: Path = BOUNDARIES_DIR) -> dict[str, Any]:
    admin = _read_json(boundaries_dir / ADMIN_UNITS_FILE)
    communes_geo = _feature_codes(_read_json(boundaries_dir / COMMUNES_FILE))
    districts_geo = _feature_codes(_read_json(boundaries_dir / DISTRICTS_FILE))

    units: list[dict[str, Any]] = []

    communes = admin["communes_from_2025_07_01"]
    if len(communes) != 45:
        raise ValueError(f"expected 45 communes, found {len(communes)}")
    for c in communes:
        code, name = str(c["code"]), str(c["name"])
        if code not in communes_geo:
            raise ValueError(f"commune {code} has no feature in {COMMUNES_FILE}")
        if communes_geo[code]["name"] != name:
            raise ValueError(f"commune {code}: name {name!r} != {communes_geo[code]['name']!r}")
        units.append(
            _unit(
                code,
                f"UBND {name}",
                name,
                _commune_kind(name),
                COMMUNES_VALID_FROM,
                None,
                f"ubnd.{code}@{EMAIL_DOMAIN}",
                {"file": COMMUNES_FILE, "code": code},
            )
        )

    districts = admin["districts_until_2025_06_30"]
    if len(districts) != 10:
        raise ValueError(f"expected 10 districts, found {len(districts)}")
    for d in districts:
        code, name = str(d["code"]), str(d["name"])
        if code not in districts_geo:
            raise ValueError(f"district {code} has no feature in {DISTRICTS_FILE}")
        units.append(
            _unit(
                code,
                f"UBND {name}",
                name,
                _district_kind(name),
                DISTRICTS_VALID_FROM,
                DISTRICTS_VALID_TO,
                f"ubnd.{code}@{EMAIL_DOMAIN}",
                {"file": DISTRICTS_FILE, "code": code},
            )
        )

    units.append(
        _unit(
            "IOC",
            "Trung tâm Điều hành thông minh tỉnh Điện Biên (IOC)",
            "IOC Điện Biên",
            "ioc",
            DISTRICTS_VALID_FROM,
            None,
            f"ioc@{EMAIL_DOMAIN}",
            None,
        )
    )
    for dep in DEPARTMENTS:
        units.append(
            _unit(
                dep["code"],
                dep["name"],
                dep["short_name"],
                "department",
                DISTRICTS_VALID_FROM,
                None,
                f"{dep['email_local']}@{EMAIL_DOMAIN}",
                None,
            )
        )

    return {"_comment": COMMENT, "units": units, "fallback": "IOC", "category_rules": []}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing units.json")
    parser.add_argument("--stdout", action="store_true", help="print the result instead of writing it")
    args = parser.parse_args(argv)

    text = render(build())
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if OUTPUT.exists() and not args.force:
        print(f"{OUTPUT} exists (it may hold hand edits); use --force to overwrite", file=sys.stderr)
        return 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
