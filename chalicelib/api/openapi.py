"""The OpenAPI 3.1 document, the full truth of the HTTP contract: built from the operations the routes declared
(chalicelib/api/contract.py, next to each route in chalicelib/routes/) and the pydantic schemas they name."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api import contract, schemas
from chalicelib.api.contract import Op

REF = "#/components/schemas/{model}"
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "Gửi lại cùng khóa và cùng nội dung: nhận lại câu trả lời lần đầu, không tạo gì thêm",
}
AUTHORIZATION = {
    "name": "Authorization",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^Bearer .+$"},
    "description": "Không bắt buộc: người đã đăng nhập được xem thêm (mã sai: 401)",
}


def _models(op: Op) -> list[type[BaseModel]]:
    refs = [op.body] if op.body is not None else []
    for model in op.ok.values():
        refs += list(model) if isinstance(model, tuple) else ([model] if model is not None else [])
    return [contract.resolve(r) for r in refs]


def _ref(model: type[BaseModel] | str) -> dict[str, Any]:
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": REF.format(model=name.rpartition(".")[2])}


def _schema(model: Any) -> dict[str, Any]:
    if model is None:
        return {"type": "object"}
    if isinstance(model, tuple):
        return {"anyOf": [_ref(m) for m in model]}
    return _ref(model)


def _parameters(op: Op) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": op.path_params.get(name, _path_schema(name))}
        for name in _path_params(op.path)
    ]
    params += [dict(q) for q in op.query]
    if op.idempotent:
        params.append(IDEMPOTENCY_KEY)
    if op.auth == "optional":
        params.append(AUTHORIZATION)
    return params


def _path_schema(name: str) -> dict[str, Any]:
    return dict(contract.REPORT_ID) if name == "report_id" else {"type": "string", "minLength": 1}


def _responses(op: Op) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": _ref(schemas.ErrorResponse)}}}
    responses: dict[str, Any] = {}
    for status, model in op.ok.items():
        if status == 204:
            responses[str(status)] = {"description": contract.STATUS_TEXT[204]}
            continue
        content = {"application/json": {"schema": _schema(model)}}
        if op.csv:
            content["text/csv"] = {"schema": {"type": "string"}}
        responses[str(status)] = {"description": contract.STATUS_TEXT[status], "content": content}
    statuses = set(op.errors)
    if op.auth != "none":
        statuses.add(401)
    if op.roles and op.auth == "bearer":
        statuses.add(403)
    for status in sorted(statuses):
        responses[str(status)] = {"description": contract.STATUS_TEXT[status], **error}
    return responses


def _roles_text(op: Op) -> str:
    if op.auth == "none" or not op.roles:
        return "Vai trò: mọi người." if op.auth == "none" else "Vai trò: mọi người đã đăng nhập."
    return "Vai trò: " + ", ".join(f"{contract.ROLE_NAMES[r]} ({r})" for r in op.roles) + "."


def operation(op: Op) -> dict[str, Any]:
    if op.raw is not None:
        return dict(op.raw())
    entry: dict[str, Any] = {
        "operationId": _operation_id(op),
        "summary": op.summary,
        "description": " ".join(t for t in (op.description, _roles_text(op)) if t),
        "x-roles": list(op.roles),
        "responses": _responses(op),
    }
    params = _parameters(op)
    if params:
        entry["parameters"] = params
    if op.body is not None:
        entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(op.body)}}}
    if op.auth == "bearer":
        entry["security"] = [{"bearer": []}]
    elif op.auth == "optional":
        entry["security"] = [{}, {"bearer": []}]
    return entry


@cache
def document() -> dict[str, Any]:
    from chalicelib.api.open311_schemas import WIRE_MODELS

    ops = sorted(contract.OPERATIONS.values(), key=lambda o: o.key)
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method] = operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Phản ánh hiện trường — Điện Biên",
            "version": "1.0.0",
            "description": "API tiếp nhận, chuyển xử lý và theo dõi phản ánh hiện trường. Mọi lỗi có dạng "
            "ErrorResponse; một phương thức không có ở đường dẫn được trả lời 405 (method_not_allowed).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": _components(ops, WIRE_MODELS),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _components(ops: list[Op], wire_models: list[type[BaseModel]]) -> dict[str, Any]:
    requests = {op.body.rpartition(".")[2] for op in ops if op.body is not None}
    models: dict[str, type[BaseModel]] = {"ErrorResponse": schemas.ErrorResponse}
    models.update({m.__name__: m for m in wire_models})
    for op in ops:
        models.update({m.__name__: m for m in _models(op)})
    _, defs = models_json_schema(
        [(m, "validation" if name in requests else "serialization") for name, m in models.items()],
        ref_template=REF,
    )
    components = dict(defs.get("$defs", {}))
    _known_codes(components)
    return components


def _known_codes(components: dict[str, Any]) -> None:
    """A category is one of the catalogue's codes (GET /v1/categories): the document lists them, so that a
    client generated from it cannot send one the server refuses."""
    from chalicelib.domain.units import CategoryCatalog

    codes = [c.code for c in CategoryCatalog.default().all()]
    submit = components.get("SubmitReport", {}).get("properties", {})
    if "category" in submit:
        submit["category"] = {**submit["category"], "enum": codes}


def _operation_id(op: Op) -> str:
    words = [p.strip("{}") for p in op.path.split("/") if p and p != "v1"]
    return "_".join([op.method, *words]).replace(".", "_").replace("-", "_")


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
