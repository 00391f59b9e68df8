"""The web console in the local stack: its built files on the API's origin, and the development sign-in.

- every GET outside /v1/, /open311/ and /dev/ is a file of `web/dist` (the console's home is `/`), gzip-compressed when
  the browser accepts it, as CloudFront serves it in AWS; `/config.json` says how this console signs in
  (development tokens here, Cognito in AWS) and where map tiles come from (CONSOLE_TILE_URL; empty: no tiles);
- `POST /dev/token` {"role", "unit"} answers a development token in the body (never in a URL). Like every
  /dev route it exists only in this process, never in a deployment.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
import os
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ROLES = ("officer", "ioc", "tech", "citizen")


def console_config() -> dict[str, Any]:
    return {
        "auth": "dev",
        "api_base": "",
        "tile_url": os.environ.get("CONSOLE_TILE_URL", DEFAULT_TILES),
        "tile_attribution": "© OpenStreetMap",
    }


@cache
def _file(path: Path, mtime: float) -> tuple[bytes, bytes]:
    """A file and its gzip form, read once per version (mtime)."""
    raw = path.read_bytes()
    return raw, gzip.compress(raw, 6, mtime=0)


def _resolve(url_path: str) -> Path | None:
    rel = url_path.split("?", 1)[0].split("#", 1)[0].lstrip("/") or "index.html"
    path = (DIST / rel).resolve()
    if not path.is_relative_to(DIST.resolve()) or not path.is_file():
        return None
    return path


def serve_console(handler: Any) -> bool:
    """Answer a console request on `handler` (http.server's); False when it is the API's to answer."""
    url_path = handler.path
    if handler.command not in ("GET", "HEAD") or url_path.startswith(("/v1/", "/dev/", "/open311/")):
        return False
    if url_path.split("?", 1)[0] == "/config.json":
        raw = json.dumps(console_config()).encode()
        _send(handler, 200, "application/json", raw, "no-store")
        return True
    path = _resolve(url_path)
    if path is None:
        if not DIST.exists():
            _send(
                handler,
                503,
                "text/plain; charset=utf-8",
                "Chưa dựng trang quản trị: make run".encode(),
                "no-store",
            )
            return True
        return False
    raw, packed = _file(path, path.stat().st_mtime)
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
        kind += "; charset=utf-8"
    # Hashed asset names never change content; the page itself must be re-read to find new ones.
    cache_control = "public, max-age=31536000, immutable" if "/assets/" in url_path else "no-cache"
    gzip_ok = "gzip" in (handler.headers.get("Accept-Encoding") or "")
    _send(handler, 200, kind, packed if gzip_ok else raw, cache_control, "gzip" if gzip_ok else None)
    return True


def _send(
    handler: Any, status: int, kind: str, body: bytes, cache_control: str, encoding: str | None = None
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", cache_control)
    handler.send_header("Vary", "Accept-Encoding")
    handler.send_header("X-Content-Type-Options", "nosniff")
    if encoding:
        handler.send_header("Content-Encoding", encoding)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def add_token_route(app: Any, issuer: Any) -> None:
    """The development sign-in: a token for a role (and the officer's unit), in the response body."""
    from chalice import Response

    @app.route("/dev/token", methods=["POST"])
    def dev_token() -> Response:
        body = app.current_request.json_body or {}
        role, unit = body.get("role"), body.get("unit") or None
        problem = None
        if role not in ROLES:
            problem = ("role", "Vai trò phải là một trong: " + ", ".join(ROLES) + ".")
        elif role == "officer" and not unit:
            problem = ("unit", "Cán bộ xử lý cần chọn đơn vị.")
        if problem:
            error = {
                "code": "invalid_input",
                "message": problem[1],
                "details": [dict(zip(("field", "message"), problem, strict=True))],
            }
            return Response(
                body=json.dumps({"error": error}, ensure_ascii=False),
                status_code=400,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        sub = f"dev-{role}-{unit}" if unit else f"dev-{role}"
        token = issuer.token(role, unit if role == "officer" else None, body.get("sub") or sub)
        return Response(
            body=json.dumps({"token": token, "expires_in": 12 * 3600}),
            headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
        )
