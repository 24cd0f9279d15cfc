"""Canonical XML for ERPs that do not speak X12."""
