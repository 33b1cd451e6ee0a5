"""Shared pytest fixtures live in src/oficina/testing/; this file only registers them."""

pytest_plugins = [
    "oficina.testing.db",
    "oficina.testing.smtp",
]
