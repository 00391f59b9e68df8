"""The development token issuer: an RSA key in the local state folder and tokens shaped like Cognito's.

`make token ROLE=citizen|officer|ioc|tech [UNIT=03127] [SUB=id]` prints a token alone on its last line. The
local API verifies them through the same code path as Cognito tokens (chalicelib/api/auth.py), against the
public key written beside the private one (DEV_JWKS_FILE).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_STATE_DIR = Path("var/local")
DEV_ISSUER = "http://127.0.0.1:8000/dev-issuer"
DEV_AUDIENCE = "fieldreport-dev"

SAMPLE_PEOPLE = {
    "citizen": {"name": "Nguyễn Văn An", "phone_number": "+84912345678", "email": "an.nguyen@example.vn"},
    "officer": {"name": "Lò Thị Bình", "email": "binh.lo@dienbien.example.vn"},
    "ioc": {"name": "Quàng Văn Cường", "email": "ioc.operator@dienbien.example.vn"},
    "tech": {"name": "Kỹ thuật IOC", "email": "ioc.tech@dienbien.example.vn"},
}


class DevIssuer:
    def __init__(
        self, state_dir: Path = DEFAULT_STATE_DIR, issuer: str = DEV_ISSUER, audience: str = DEV_AUDIENCE
    ) -> None:
        self.dir = Path(state_dir) / "dev-issuer"
        self.issuer = issuer
        self.audience = audience
        self.private_path = self.dir / "private.pem"
        self.jwks_path = self.dir / "jwks.json"
        self._ensure_key()
        self._private = serialization.load_pem_private_key(self.private_path.read_bytes(), password=None)
        self.kid = json.loads(self.jwks_path.read_text())["keys"][0]["kid"]

    def _ensure_key(self) -> None:
        if self.private_path.exists() and self.jwks_path.exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.private_path.write_bytes(pem)
        self.private_path.chmod(0o600)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": uuid.uuid4().hex[:16], "alg": "RS256", "use": "sig"})
        self.jwks_path.write_text(json.dumps({"keys": [jwk]}))

    def claims(
        self, role: str, unit: str | None = None, sub: str | None = None, ttl: int = 12 * 3600, **extra: Any
    ) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": sub or f"dev-{role}-{unit or 'user'}",
            "iss": self.issuer,
            "aud": self.audience,
            "token_use": "id",
            "iat": now,
            "exp": now + ttl,
            "cognito:groups": [role],
            **SAMPLE_PEOPLE.get(role, {}),
            # as Cognito does once the user confirmed the address: official e-mail goes only to verified ones
            "email_verified": True,
        }
        if unit:
            claims["custom:unit_code"] = unit
        claims.update(extra)
        return claims

    def token(
        self, role: str, unit: str | None = None, sub: str | None = None, ttl: int = 12 * 3600, **extra: Any
    ) -> str:
        return self.sign(self.claims(role, unit, sub, ttl, **extra))

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid})  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a development token for the local stack.")
    parser.add_argument("--role", required=True, choices=["citizen", "officer", "ioc", "tech"])
    parser.add_argument("--unit", help="unit code, for an officer (e.g. 03127)")
    parser.add_argument("--sub", help="a distinct user id")
    # The stack's state folder (LOCAL_STATE_DIR, as `make run` reads it): its key is the one the stack trusts.
    parser.add_argument("--state-dir", default=os.environ.get("LOCAL_STATE_DIR") or str(DEFAULT_STATE_DIR))
    args = parser.parse_args()
    if args.role == "officer" and not args.unit:
        parser.error("an officer acts for a unit: add UNIT=<unit code>, e.g. UNIT=03127")
    issuer = DevIssuer(Path(args.state_dir))
    print(
        f"# {args.role}{' of ' + args.unit if args.unit else ''}, valid 12 hours; use as: Authorization: Bearer <token>"
    )
    print(issuer.token(args.role, args.unit, args.sub))


if __name__ == "__main__":
    main()
