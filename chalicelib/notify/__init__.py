"""Outgoing messages: e-mail through SES and signed webhooks; templates with autoescaping."""
