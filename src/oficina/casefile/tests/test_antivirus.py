"""The clamd INSTREAM client against a fake clamd in a thread (TCP and unix socket)."""

from __future__ import annotations

import io
import socket

import pytest

from oficina.casefile import antivirus
from oficina.casefile.exceptions import AntivirusUnavailable

from .factories import VIRUS_MARKER, fake_clamd


def test_clean_file_over_tcp_is_sent_in_chunks_and_passes():
    data = b"x" * (antivirus.CHUNK_SIZE * 2 + 10)
    with fake_clamd() as clamd:
        result = antivirus.scan_stream(io.BytesIO(data), address=clamd.address, timeout=5)
    assert result == antivirus.ScanResult(clean=True)
    assert clamd.received == [data]


def test_infected_file_over_a_unix_socket_names_the_signature(tmp_path):
    with fake_clamd(unix_path=str(tmp_path / "clamd.ctl")) as clamd:
        result = antivirus.scan_stream(io.BytesIO(b"abc" + VIRUS_MARKER), address=clamd.address, timeout=5)
    assert result == antivirus.ScanResult(clean=False, signature="Eicar-Signature")


def test_no_daemon_listening_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AntivirusUnavailable):
        antivirus.scan_stream(io.BytesIO(b"abc"), address=f"127.0.0.1:{port}", timeout=2)


def test_an_error_answer_is_unavailable_not_clean():
    with fake_clamd(reply=b"INSTREAM size limit exceeded. ERROR\0") as clamd, pytest.raises(AntivirusUnavailable):
        antivirus.scan_stream(io.BytesIO(b"abc"), address=clamd.address, timeout=5)


def test_a_malformed_address_is_unavailable():
    with pytest.raises(AntivirusUnavailable):
        antivirus.scan_stream(io.BytesIO(b"abc"), address="clamd-sin-puerto", timeout=1)
