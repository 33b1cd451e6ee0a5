"""ICE servers from settings; TURN credentials in the coturn REST-API scheme (known vectors)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from oficina.accounts.models import User
from oficina.attention.ice import ice_servers, turn_credentials

# Computed independently with: printf '%s' "<username>" | openssl dgst -sha1 -hmac "<secret>" -binary | base64
VECTORS = [
    ("north-secret", 1_699_996_400, 3600, 42, "1700000000:42", "1azYcwkgPAnmyb6GOHbBMj8gPoQ="),
    ("secret", 1_433_895_918, 0, "test", "1433895918:test", "4JPSlPBoHUROwYbaS5lHLb9Kz18="),
]


@pytest.mark.parametrize("secret, now, ttl, user_id, username, credential", VECTORS)
def test_turn_credentials_match_known_vectors(secret, now, ttl, user_id, username, credential):
    assert turn_credentials(secret=secret, user_id=user_id, ttl=ttl, now=now) == (username, credential)


def test_the_credential_is_the_base64_hmac_sha1_of_the_username():
    username, credential = turn_credentials(secret="s3cr3t", user_id=7, ttl=600, now=1000)
    assert username == "1600:7"
    assert base64.b64decode(credential) == hmac.new(b"s3cr3t", b"1600:7", hashlib.sha1).digest()


def test_no_servers_configured_means_host_candidates_only(settings):
    settings.ATTENTION_STUN_URLS, settings.ATTENTION_TURN_URLS, settings.ATTENTION_TURN_SECRET = [], [], ""
    assert ice_servers(user=User(pk=3)) == []


def test_turn_urls_without_a_secret_are_not_offered(settings):
    settings.ATTENTION_STUN_URLS = ["stun:stun.example.org:3478"]
    settings.ATTENTION_TURN_URLS = ["turn:turn.example.org:3478"]
    settings.ATTENTION_TURN_SECRET = ""
    assert ice_servers(user=User(pk=3)) == [{"urls": ["stun:stun.example.org:3478"]}]


def test_turn_gets_time_limited_credentials_for_the_user(settings):
    settings.ATTENTION_STUN_URLS = ["stun:stun.example.org:3478"]
    settings.ATTENTION_TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
    settings.ATTENTION_TURN_SECRET = "north-secret"
    settings.ATTENTION_TURN_TTL = 3600
    servers = ice_servers(user=User(pk=42), now=1_699_996_400)
    assert servers == [
        {"urls": ["stun:stun.example.org:3478"]},
        {"urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
         "username": "1700000000:42", "credential": "1azYcwkgPAnmyb6GOHbBMj8gPoQ="},
    ]
