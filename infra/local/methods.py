"""The local HTTP server's answer to methods the API does not serve (TRACE, QUERY, PROPFIND...).

Python's http.server answers a method without a `do_<METHOD>` handler with its own 501 HTML page; API Gateway
answers them in the API's error shape, and so must the local stack (issue 12).
"""

from __future__ import annotations

import json
from typing import Any

SERVED = ("GET", "PUT", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS")
MESSAGE = "Phương thức HTTP này không được hỗ trợ cho đường dẫn này."


def method_not_allowed_body() -> bytes:
    error = {"code": "method_not_allowed", "message": MESSAGE, "details": []}
    return json.dumps({"error": error}, ensure_ascii=False).encode("utf-8")


def answer_unserved(handler: Any) -> None:
    """Write a 405 in api.md's error shape on a BaseHTTPRequestHandler; the request body is left unread, so
    the connection is closed after the answer."""
    body = method_not_allowed_body()
    handler.close_connection = True
    handler.send_response(405)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Allow", ", ".join(SERVED))
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)
