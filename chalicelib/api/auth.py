"""Bearer JWTs: verification and the caller's identity.

In AWS the tokens are Cognito user-pool ID tokens, checked against the pool's JWKS (RS256 only; issuer, client
id as audience, expiry). Locally a development issuer signs them with a key kept in the local state folder
(infra/local/tokens.py). Both go through `verify_token`, called by the Chalice built-in authorizer and by the
public routes that show more to a signed-in caller.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.config import settings
from chalicelib.domain.access import ROLES, Actor

if TYPE_CHECKING:
    import jwt

# PyJWT (with cryptography) is imported where a token is verified, not with this module: the API function
# only reads the authorizer's verdict from the event, and its cold start should not load them (~150-250 ms).

# Cognito ID tokens live an hour (at most a day when configured); a longer-lived token is a forged or a
# misissued one, and a stolen one must not stay useful for weeks.
MAX_TOKEN_LIFETIME_S = 24 * 3600


class AuthError(Exception):
    """The token is missing, malformed, expired, forged or lacks what the route needs (401)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def actor_context(actor: Actor) -> dict[str, str]:
    """The authorizer's context: API Gateway passes only flat string values to the handler."""
    return {
        "sub": actor.sub,
        "roles": ",".join(sorted(actor.roles)),
        "unit_code": actor.unit_code or "",
        "name": actor.name or "",
        "phone": actor.phone or "",
        "email": actor.email or "",
    }


def actor_from_context(ctx: dict[str, Any]) -> Actor:
    """The caller as the authorizer's context carries it; only the roles a token can hold survive."""
    return Actor(
        sub=ctx["sub"],
        roles=frozenset(r for r in str(ctx.get("roles", "")).split(",") if r in ROLES),
        unit_code=ctx.get("unit_code") or None,
        name=ctx.get("name") or None,
        phone=ctx.get("phone") or None,
        email=ctx.get("email") or None,
    )


@cache
def _dev_keys(path: str) -> dict[str, Any]:
    import jwt

    with open(path, encoding="utf-8") as f:
        jwks = json.load(f)
    return {k["kid"]: jwt.PyJWK(k) for k in jwks["keys"]}


@cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600)


def _signing_key(token: str) -> Any:
    import jwt

    s = settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as e:
        raise AuthError("invalid_token", "Mã xác thực không hợp lệ.") from e
    if header.get("alg") != "RS256":
        raise AuthError("invalid_token", "Mã xác thực không hợp lệ (thuật toán ký không được chấp nhận).")
    if s.auth_mode == "dev":
        if not s.dev_jwks_file:
            raise AuthError("invalid_token", "Máy chủ chưa cấu hình khóa xác thực.")
        key = _dev_keys(s.dev_jwks_file).get(header.get("kid"))
        if key is None:
            raise AuthError("invalid_token", "Mã xác thực được ký bằng khóa không hợp lệ.")
        return key.key
    if not s.jwks_url:
        raise AuthError("invalid_token", "Máy chủ chưa cấu hình khóa xác thực.")
    try:
        return _jwks_client(s.jwks_url).get_signing_key_from_jwt(token).key
    except jwt.PyJWTError as e:
        raise AuthError("invalid_token", "Mã xác thực được ký bằng khóa không hợp lệ.") from e


def verify_token(authorization: str | None) -> Actor:
    """Check an `Authorization: Bearer <JWT>` header value and return who is calling."""
    if not authorization:
        raise AuthError("missing_token", "Thiếu mã xác thực (Authorization: Bearer).")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("invalid_token", "Mã xác thực phải có dạng 'Bearer <token>'.")
    import jwt

    token = token.strip()
    s = settings()
    key = _signing_key(token)
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            audience=s.jwt_audience.split(","),  # the mobile app's and the console's clients (issue 13)
            issuer=s.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "sub", "aud", "token_use"]},
            leeway=30,
        )
    except jwt.ExpiredSignatureError as e:
        raise AuthError("token_expired", "Mã xác thực đã hết hạn. Vui lòng đăng nhập lại.") from e
    except jwt.PyJWTError as e:
        raise AuthError("invalid_token", "Mã xác thực không hợp lệ.") from e
    _check_shape(claims)
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        groups = [groups]
    roles = frozenset(g for g in groups if g in ROLES)
    return Actor(
        sub=str(claims["sub"]),
        roles=roles,
        unit_code=claims.get("custom:unit_code") or None,
        name=claims.get("name"),
        phone=claims.get("phone_number"),
        # Official e-mail goes only to an address the identity provider has verified (issue 12).
        email=claims.get("email") if _verified(claims.get("email_verified")) else None,
    )


def _check_shape(claims: dict[str, Any]) -> None:
    """What PyJWT does not check: an ID token, with a subject, living at most a day."""
    if claims.get("token_use") != "id":
        raise AuthError("invalid_token", "Cần mã xác thực định danh (ID token).")
    if not isinstance(claims.get("sub"), str) or not claims["sub"].strip():
        raise AuthError("invalid_token", "Mã xác thực không có định danh người dùng (sub).")
    if ":" in claims["sub"]:
        # "import:…" and "unit:…" name the system's own actors (domain/access.py); Cognito subs are UUIDs.
        raise AuthError("invalid_token", "Định danh người dùng (sub) không hợp lệ.")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float) or isinstance(iat, bool):
        raise AuthError("invalid_token", "Mã xác thực không hợp lệ.")
    if exp - iat > MAX_TOKEN_LIFETIME_S:
        raise AuthError("invalid_token", "Mã xác thực có thời hạn quá dài (tối đa một ngày).")


def _verified(flag: Any) -> bool:
    """Cognito writes `email_verified` as a boolean; some issuers as the string "true"."""
    return flag is True or (isinstance(flag, str) and flag.lower() == "true")
