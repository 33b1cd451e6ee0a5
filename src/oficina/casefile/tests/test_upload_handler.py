"""CasefileUploadHandler: to disk chunk by chunk, hashed on the way, cut off at the limit, one file only."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc

import pytest
from django.core.files.uploadhandler import SkipFile
from django.http.multipartparser import MultiPartParser

from oficina.casefile.upload_handlers import CasefileUploadHandler

BOUNDARY = "----casefile-test-boundary"


class GeneratedBody(io.RawIOBase):
    """A request body produced piece by piece: the multipart head, `size` bytes of file, the tail.
    Never held whole in memory, so tracemalloc sees only what the parser and handler keep."""

    def __init__(self, size: int, *, extra_fields: dict[str, str] | None = None, second_file: bool = False) -> None:
        fields = "".join(
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            for name, value in (extra_fields or {}).items()
        )
        self.head = (fields + f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
                     f"filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
        tail = "\r\n"
        if second_file:
            tail += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"otro.pdf\"\r\n"
                     "Content-Type: application/pdf\r\n\r\nSEGUNDO\r\n")
        self.tail = (tail + f"--{BOUNDARY}--\r\n").encode()
        self.size = size
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0
        self.digest = hashlib.sha256()

    def _byte_at_block(self, start: int, count: int) -> bytes:
        # Deterministic, not compressible, cheap: repeat a 251-byte pattern.
        pattern = bytes(range(251))
        offset = start % 251
        repeated = (pattern * (count // 251 + 2))[offset: offset + count]
        return repeated

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        wanted = len(buffer)
        out = b""
        while len(out) < wanted and self.position < self.length:
            pos = self.position
            if pos < len(self.head):
                piece = self.head[pos: pos + wanted - len(out)]
            elif pos < len(self.head) + self.size:
                start = pos - len(self.head)
                piece = self._byte_at_block(start, min(wanted - len(out), self.size - start))
                self.digest.update(piece)
            else:
                start = pos - len(self.head) - self.size
                piece = self.tail[start: start + wanted - len(out)]
            out += piece
            self.position += len(piece)
        buffer[: len(out)] = out
        return len(out)


def parse(body: GeneratedBody, handler: CasefileUploadHandler):
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(body.length)}
    return MultiPartParser(meta, io.BufferedReader(body, buffer_size=64 * 1024), [handler]).parse()


def test_file_is_written_to_disk_and_hashed_while_it_arrives():
    body = GeneratedBody(3 * 1024 * 1024 + 17, extra_fields={"title": "Mi currículum"})
    handler = CasefileUploadHandler(max_bytes=10 * 1024 * 1024)
    post, files = parse(body, handler)
    uploaded = files["file"]
    assert post["title"] == "Mi currículum"
    assert uploaded.size == body.size
    assert uploaded.sha256 == body.digest.hexdigest()
    assert os.path.exists(uploaded.temporary_file_path())  # on disk, not in memory
    assert hashlib.sha256(uploaded.read()).hexdigest() == body.digest.hexdigest()
    uploaded.close()


def test_the_handler_never_holds_more_than_a_chunk():
    """Parsing a 20 MB upload allocates at most a few chunks (64 KiB) at any moment."""
    body = GeneratedBody(20 * 1024 * 1024)
    handler = CasefileUploadHandler(max_bytes=30 * 1024 * 1024)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline, _ = tracemalloc.get_traced_memory()
        _, files = parse(body, handler)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert files["file"].size == body.size
    assert peak - baseline < 8 * handler.chunk_size, f"peak {peak - baseline} bytes"
    files["file"].close()


def test_past_the_limit_the_file_is_dropped_and_the_other_fields_still_arrive():
    body = GeneratedBody(2 * 1024 * 1024, extra_fields={"title": "Demasiado grande", "doc_type": "otro"})
    handler = CasefileUploadHandler(max_bytes=1024 * 1024)
    post, files = parse(body, handler)
    assert handler.too_large
    assert "file" not in files
    assert post["title"] == "Demasiado grande" and post["doc_type"] == "otro"
    assert handler.received <= 1024 * 1024 + handler.chunk_size  # stopped at the first chunk past it


def test_partial_temp_file_is_deleted_when_the_limit_is_passed():
    handler = CasefileUploadHandler(max_bytes=100)
    handler.new_file("file", "cv.pdf", "application/pdf", None)
    path = handler.file.temporary_file_path()
    handler.receive_data_chunk(b"a" * 60, 0)
    assert os.path.exists(path)
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"a" * 60, 60)
    assert not os.path.exists(path)


def test_declared_part_length_over_the_limit_is_refused_before_any_data():
    handler = CasefileUploadHandler(max_bytes=100)
    with pytest.raises(SkipFile):
        handler.new_file("file", "cv.pdf", "application/pdf", 1000)
    assert handler.too_large and not hasattr(handler, "file")


def test_only_one_file_in_the_file_field_is_kept():
    body = GeneratedBody(1000, second_file=True)
    handler = CasefileUploadHandler(max_bytes=10_000)
    _, files = parse(body, handler)
    kept = files.getlist("file")
    assert len(kept) == 1 and kept[0].name == "cv.pdf"
    assert os.path.exists(kept[0].temporary_file_path())  # skipping the second did not close the first
    kept[0].close()


def test_files_in_other_fields_are_skipped():
    handler = CasefileUploadHandler(max_bytes=10_000)
    with pytest.raises(SkipFile):
        handler.new_file("otro_campo", "x.pdf", "application/pdf", None)
