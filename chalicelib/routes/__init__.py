"""HTTP routes grouped by area as Chalice blueprints, registered by app.py."""
