"""E-mail through SES (v2), as a MIME message with text and HTML parts and optional attachments.

Templates are Jinja2 with autoescaping on for HTML, so a description containing `<script>` arrives as text.
The local stack's SES is moto's: every message sent here is listed by `GET /dev/outbox`.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.aws import client
from chalicelib.config import settings

TEMPLATES = Path(__file__).parent / "templates"
SENDER_NAME = "Hệ thống Phản ánh hiện trường tỉnh Điện Biên"


@cache
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from chalicelib.notify.formatting import FILTERS

    env.filters.update(FILTERS)
    return env


def render(template: str, /, **context: Any) -> str:
    """Render `templates/<template>`; `.html` templates are autoescaped."""
    return str(_env().get_template(template).render(**context))


def build_message(
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    sender: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((SENDER_NAME, sender or settings().sender))
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=(sender or settings().sender).split("@")[-1])
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        # Bytes as given (a CSV keeps its BOM and CRLF); text parts say their charset.
        params = {"charset": "utf-8"} if maintype == "text" else None
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=params)
    return msg


def send_email(
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> str:
    """Send one message to `to` (all recipients on one message); returns SES's message id. Raises on failure."""
    if not to:
        raise ValueError("no recipients")
    msg = build_message(to, subject, text, html, attachments)
    response = client("sesv2").send_email(
        FromEmailAddress=settings().sender,
        Destination={"ToAddresses": to},
        Content={"Raw": {"Data": msg.as_bytes()}},
    )
    return str(response["MessageId"])
