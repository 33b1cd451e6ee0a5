"""Shared pytest fixtures live in src/oficina/testing/; this file only registers them."""

pytest_plugins = [
    "oficina.testing.db",
    "oficina.testing.live_server",
    "oficina.testing.browser",
    "oficina.testing.smtp",
    "oficina.testing.seal",
    "oficina.testing.storage",
    "oficina.testing.channel_layer",
    "pytester",  # tests/browser/test_infra.py runs the browser plugin in an inner pytest session
]
