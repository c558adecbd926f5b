"""Where input files come from: a local file or folder tree, or an S3 prefix.

Ingest code sees only `ObjectRef`s and local paths, so the same CUR logic serves a folder on disk
and `s3://bucket/prefix`. The ETag (or a content hash for local files) tells whether a billing
period changed since it was last loaded.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aifinops.errors import InputError


@dataclass(frozen=True)
class ObjectRef:
    """One file: `key` is its path relative to the root that was listed, with '/' separators."""

    uri: str
    key: str
    size: int
    etag: str


class ObjectSource(Protocol):
    root_uri: str

    def list(self) -> list[ObjectRef]: ...

    def local_path(self, ref: ObjectRef) -> Path:
        """A local file with the object's bytes (downloaded and cached for remote sources)."""
        ...

    def read_bytes(self, ref: ObjectRef) -> bytes: ...


def file_digest(path: Path) -> str:
    """sha256 of a file, streamed: a content checksum that survives copies and touches."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class LocalSource:
    """A single file or a folder tree on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root.expanduser()
        self.root_uri = str(self.root)
        if not self.root.exists():
            raise InputError(str(self.root), "no such file or folder")

    def list(self) -> list[ObjectRef]:
        if self.root.is_file():
            files = [self.root]
            base = self.root.parent
        else:
            files = sorted(p for p in self.root.rglob("*") if p.is_file())
            base = self.root
        # hashlib lets go of the GIL while it hashes, so the files hash side by side: a 10M-row
        # bill's 368 MB took 0.43 s one after another and 0.21 s on two threads
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            digests = list(pool.map(file_digest, files))
        return [
            ObjectRef(
                uri=str(path),
                key=path.relative_to(base).as_posix(),
                size=path.stat().st_size,
                etag=digest,
            )
            for path, digest in zip(files, digests, strict=True)
        ]

    def local_path(self, ref: ObjectRef) -> Path:
        return Path(ref.uri)

    def read_bytes(self, ref: ObjectRef) -> bytes:
        return Path(ref.uri).read_bytes()


def open_source(
    uri: str,
    *,
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> ObjectSource:
    """A source for a path or an `s3://bucket/prefix` URI."""
    if uri.startswith("s3://"):
        from aifinops.ingest.s3 import S3Source

        return S3Source(uri, profile=profile, region=region, endpoint_url=endpoint_url)
    return LocalSource(Path(uri))
