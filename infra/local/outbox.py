"""The local outbox: every message the app sends through (emulated) SES, kept as `.eml` files, and every SMS
and push message it sends through (emulated) SNS, kept as `.json` files beside them (issue 15).

`GET /dev/outbox` lists them oldest first: e-mails (channel "email", to, subject, text, html, sent_at), SMS
(channel "sms", to: the +84 number, text) and push (channel "push", to: the device's endpoint, subject: the
title, text). Files survive restarts.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class Outbox:
    def __init__(self, folder: Path, region: str) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.region = region
        self._seen = 0
        self._phone_seen: set[str] = set()

    def _backend(self) -> Any:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        return ses_backends[DEFAULT_ACCOUNT_ID][self.region]

    def take(self) -> list[dict[str, str]]:
        """Messages SES accepted since the last call, not yet written: [{"id", "raw"}]. The local stack puts
        them into its snapshot before writing them, so that a crash never loses one nor writes one twice."""
        sent = self._backend().sent_messages
        new = sent[self._seen :]
        self._seen = len(sent)
        out = []
        for message in new:
            raw = getattr(message, "raw_data", None)
            if raw is None:  # SES v1 send_email: rebuild a simple message
                msg = email.message.EmailMessage()
                msg["To"] = ", ".join(message.destinations.get("ToAddresses", []))
                msg["Subject"] = message.subject
                msg.set_content(message.body)
                raw = msg.as_string()
            out.append({"id": str(message.id), "raw": raw})
        return out

    def write(self, messages: list[dict[str, str]]) -> int:
        """Write messages as .eml files, each once (a file per SES message id); returns how many were new."""
        existing = list(self.folder.glob("*.eml"))
        have = {p.stem.rsplit("Z-", 1)[-1] for p in existing}
        count = len(existing) + len(list(self.folder.glob("*.json")))  # one numbering with SMS and push
        written = 0
        for message in messages:
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", message["id"])
            if safe in have:
                continue
            count += 1
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            tmp = self.folder / f".{safe}.tmp"
            tmp.write_text(message["raw"], encoding="utf-8")
            os.replace(tmp, self.folder / f"{count:06d}-{stamp}-{safe}.eml")
            have.add(safe)
            written += 1
        return written + self._collect_phone()  # SMS and push beside the e-mails (issue 15)

    def collect(self) -> int:
        """Write messages SES accepted since the last call as .eml files; returns how many."""
        return self.write(self.take())

    def _collect_phone(self) -> int:
        """SMS and push messages SNS accepted since the last call, one .json file each (channel, to, text)."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

        backend = sns_backends[DEFAULT_ACCOUNT_ID][self.region]
        found: list[tuple[str, dict[str, Any]]] = []
        for message_id, (number, text) in list(backend.sms_messages.items()):
            found.append((message_id, {"channel": "sms", "to": [number], "subject": "", "text": text}))
        for arn, endpoint in list(backend.platform_endpoints.items()):
            for message_id, raw in list(endpoint.messages.items()):
                payload = json.loads(raw) if raw.startswith("{") else {"default": raw}
                note = json.loads(payload.get("GCM", "{}")).get("notification", {})
                found.append(
                    (
                        message_id,
                        {
                            "channel": "push",
                            "to": [arn],
                            "subject": note.get("title", ""),
                            "text": payload.get("default", ""),
                        },
                    )
                )
        fresh = [(mid, m) for mid, m in found if mid not in self._phone_seen]
        existing = len(list(self.folder.glob("*.eml"))) + len(list(self.folder.glob("*.json")))
        for i, (message_id, message) in enumerate(fresh, start=existing + 1):
            self._phone_seen.add(message_id)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            path = self.folder / f"{i:06d}-{stamp}.json"
            path.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
        return len(fresh)

    def items(self) -> list[dict[str, Any]]:
        out = []
        for path in sorted([*self.folder.glob("*.eml"), *self.folder.glob("*.json")]):
            if path.suffix == ".json":
                out.append({**json.loads(path.read_text(encoding="utf-8")), **_stamp(path)})
                continue
            msg = email.message_from_string(path.read_text(encoding="utf-8"), policy=email.policy.default)
            text = html = None
            for part in msg.walk():
                if part.is_multipart() or part.get_content_disposition() == "attachment":
                    continue
                if part.get_content_type() == "text/plain" and text is None:
                    text = part.get_content()
                elif part.get_content_type() == "text/html" and html is None:
                    html = part.get_content()
            attachments = [p.get_filename() for p in msg.iter_attachments()] if msg.is_multipart() else []
            m = re.match(r"\d+-(\d{8}T\d{6})(\d*)Z", path.stem)
            sent_at = (
                datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC).isoformat() if m else None
            )
            out.append(
                {
                    "channel": "email",
                    "to": [a.strip() for a in str(msg["To"] or "").split(",") if a.strip()],
                    "subject": str(msg["Subject"] or ""),
                    "text": text,
                    "html": html,
                    "attachments": attachments,
                    "sent_at": sent_at,
                    "file": path.name,
                }
            )
        return out


def _stamp(path: Path) -> dict[str, Any]:
    m = re.match(r"\d+-(\d{8}T\d{6})(\d*)Z", path.stem)
    sent_at = datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC).isoformat() if m else None
    return {"html": None, "attachments": [], "sent_at": sent_at, "file": path.name}
