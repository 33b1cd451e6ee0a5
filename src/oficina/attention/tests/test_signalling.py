"""Signalling messages: only known kinds and shapes pass, within a size limit and a per-connection rate."""

from __future__ import annotations

import pytest

from oficina.attention.signalling import MAX_SIGNAL_BYTES, RateLimiter, SignalRefused, signal_clean

SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = "candidate:842163049 1 udp 1677729535 192.0.2.10 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0"


@pytest.mark.parametrize("data", [
    {"kind": "offer", "sdp": SDP},
    {"kind": "answer", "sdp": SDP},
    {"kind": "ice", "candidate": {"candidate": CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0,
                                  "usernameFragment": "a1b2"}},
    {"kind": "ice", "candidate": {"candidate": "", "sdpMid": None, "sdpMLineIndex": None}},
    {"kind": "restart"},
    {"kind": "hangup"},
    {"kind": "media", "audio": True, "video": False, "mode": "audio"},
])
def test_well_formed_signals_pass(data):
    cleaned = signal_clean(data)
    assert cleaned["kind"] == data["kind"]
    if data["kind"] == "ice":
        assert cleaned["candidate"]["candidate"] == data["candidate"]["candidate"]


@pytest.mark.parametrize("data, code", [
    ("offer", "bad_signal"),
    ({"kind": "script"}, "bad_signal"),
    ({}, "bad_signal"),
    ({"kind": "offer"}, "bad_signal"),
    ({"kind": "offer", "sdp": "<script>alert(1)</script>"}, "bad_signal"),
    ({"kind": "offer", "sdp": SDP, "extra": 1}, "bad_signal"),
    ({"kind": "answer", "sdp": 42}, "bad_signal"),
    ({"kind": "ice", "candidate": "candidate:1"}, "bad_signal"),
    ({"kind": "ice", "candidate": {"candidate": "rm -rf /"}}, "bad_signal"),
    ({"kind": "ice", "candidate": {"candidate": CANDIDATE, "sdpMLineIndex": -1}}, "bad_signal"),
    ({"kind": "ice", "candidate": {"candidate": CANDIDATE, "sdpMLineIndex": True}}, "bad_signal"),
    ({"kind": "ice", "candidate": {"candidate": CANDIDATE, "evil": "x"}}, "bad_signal"),
    ({"kind": "ice", "candidate": {"candidate": "candidate:" + "x" * 2000}}, "bad_signal"),
    ({"kind": "media", "video": "off"}, "bad_signal"),
    ({"kind": "media", "mode": "screen"}, "bad_signal"),
    ({"kind": "hangup", "reason": "x"}, "bad_signal"),
    ({"kind": "offer", "sdp": "v=0" + "a" * MAX_SIGNAL_BYTES}, "too_large"),
])
def test_malformed_or_oversized_signals_are_refused(data, code):
    with pytest.raises(SignalRefused) as refused:
        signal_clean(data)
    assert refused.value.code == code
    assert refused.value.message  # a Spanish sentence for the error message


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limiter_allows_a_burst_then_the_sustained_rate():
    clock = FakeClock()
    limiter = RateLimiter(burst=50, per_second=20, clock=clock)
    assert all(limiter.allow() for _ in range(50))
    assert not limiter.allow()
    clock.now += 0.5  # 10 tokens back
    assert sum(limiter.allow() for _ in range(30)) == 10
    clock.now += 3600  # never more than the burst
    assert sum(limiter.allow() for _ in range(100)) == 50
