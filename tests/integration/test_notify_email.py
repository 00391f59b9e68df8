"""The e-mail sender: one SES message with text and HTML; HTML templates escape what citizens typed."""

from __future__ import annotations

import email
import email.policy

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends


def _sent():
    return ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sent_messages


def test_send_email_reaches_ses_with_text_and_html(aws_env):
    from chalicelib.notify.email import send_email

    send_email(["don.vi@example.vn"], "Phản ánh mới: hạn xử lý", "Nội dung", "<p>Nội dung</p>")
    sent = _sent()
    assert len(sent) == 1
    parsed = email.message_from_string(sent[0].raw_data, policy=email.policy.default)
    assert parsed["To"] == "don.vi@example.vn"
    parts = {p.get_content_type(): p.get_content() for p in parsed.walk() if not p.is_multipart()}
    assert parts["text/plain"].strip() == "Nội dung"
    assert "<p>Nội dung</p>" in parts["text/html"]
