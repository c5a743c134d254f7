"""Pulse's WSGI application, loaded by an application that queries the database as it loads:
with ``preload_app`` that query runs in gunicorn's master, whose connection no worker may
inherit (tests/ops/test_gunicorn_warm.py)."""

from django.db import connection

from config.wsgi import application

with connection.cursor() as cursor:
    cursor.execute("SELECT 1")

__all__ = ["application"]
