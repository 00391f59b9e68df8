"""The local e-mail outbox: every message the app sends through (emulated) SES, kept as `.eml` files.

`GET /dev/outbox` lists them (to, subject, text, html, sent_at), oldest first. Files survive restarts.
"""

from __future__ import annotations

import email
import email.policy
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
        count = len(existing)
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
        return written

    def collect(self) -> int:
        """Write messages SES accepted since the last call as .eml files; returns how many."""
        return self.write(self.take())

    def items(self) -> list[dict[str, Any]]:
        out = []
        for path in sorted(self.folder.glob("*.eml")):
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
