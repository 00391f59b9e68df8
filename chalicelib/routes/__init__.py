"""Chalice blueprints of the HTTP API, one module per area, registered in app.py."""
