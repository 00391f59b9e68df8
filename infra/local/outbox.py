"""The local e-mail outbox: every message the app sends through (emulated) SES, kept as `.eml` files.

`GET /dev/outbox` lists them (to, subject, text, html, sent_at), oldest first. Files survive restarts.
"""

from __future__ import annotations

import email
import email.policy
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

    def collect(self) -> int:
        """Write messages SES accepted since the last call as .eml files; returns how many."""
        sent = self._backend().sent_messages
        new = sent[self._seen :]
        self._seen = len(sent)
        existing = len(list(self.folder.glob("*.eml")))
        for i, message in enumerate(new, start=existing + 1):
            raw = getattr(message, "raw_data", None)
            if raw is None:  # SES v1 send_email: rebuild a simple message
                msg = email.message.EmailMessage()
                msg["To"] = ", ".join(message.destinations.get("ToAddresses", []))
                msg["Subject"] = message.subject
                msg.set_content(message.body)
                raw = msg.as_string()
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            (self.folder / f"{i:06d}-{stamp}.eml").write_text(raw, encoding="utf-8")
        return len(new)

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
