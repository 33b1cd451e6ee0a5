"""Oficina Virtual."""
