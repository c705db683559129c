"""
The file a backup is: a ``.tar.gz`` or a ``.zip`` of named members, each hashed (SHA-256) as it
is written. Nothing here knows what the members hold.

Reading one back (``extract``) copies every member into a folder, hashing it again, so that what
is checked is exactly what is then restored. It refuses anything that is not a plain file with a
safe relative name, a name seen twice, and every sign of a damaged file: gzip's and zip's own
checksums are read to the end, so a cut-off archive fails even when its members look whole.
"""

import contextlib
import functools
import gzip
import hashlib
import os
import tarfile
import tempfile
import time
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from backups import BackupError

CHUNK = 1024 * 1024
SUFFIXES = {".tar.gz": "tar", ".tgz": "tar", ".zip": "zip"}
# Raised by the standard library for a damaged or cut-off archive (BadGzipFile is an OSError).
DAMAGED = (tarfile.TarError, zipfile.BadZipFile, gzip.BadGzipFile, EOFError, zlib.error)


class ArchiveError(BackupError):
    """The archive cannot be written or read. ``str(error)`` is written for the person."""


class Member(NamedTuple):
    size: int
    sha256: str


def kind_of(path):
    """``"tar"`` or ``"zip"``, from the name a backup is to be written to."""
    name = Path(path).name.lower()
    for suffix, kind in SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    raise ArchiveError(f"{path}: a backup is written as a .tar.gz or a .zip file.")


def _copy(source, target):
    """Copy ``source`` to ``target`` (binary file objects), returning its size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    return Member(size, digest.hexdigest())


def _private(path, flags):
    return os.open(path, flags, 0o600)


@contextlib.contextmanager
def writing(path, kind):
    """
    Write an archive of ``kind`` (``"tar"`` or ``"zip"``) at ``path``, readable by its owner only
    (it holds password hashes and the originals' private metadata). Yields ``add(name, source)``,
    which streams the binary file object ``source`` in as ``name`` and returns its ``Member``.
    """
    mtime = time.time()
    with open(path, "wb", opener=_private) as file:
        if kind == "zip":
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                yield functools.partial(_add_to_zip, archive, mtime)
        else:
            with tarfile.open(fileobj=file, mode="w:gz", compresslevel=6) as archive:
                yield functools.partial(_add_to_tar, archive, mtime)


def _add_to_zip(archive, mtime, name, source):
    info = zipfile.ZipInfo(name, time.localtime(mtime)[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as target:
        return _copy(source, target)


def _add_to_tar(archive, mtime, name, source):
    # A tar header states the size first: the member is spooled (and hashed) on the way.
    with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as spool:
        member = _copy(source, spool)
        spool.seek(0)
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = member.size, int(mtime), 0o600
        archive.addfile(info, spool)
    return member


def _safe_name(name):
    parts = name.split("/")
    if not name or name.startswith("/") or "\x00" in name or any(p in ("", ".", "..") for p in parts):
        raise ArchiveError(f"The archive holds a member with an unsafe name: {name!r}.")
    return PurePosixPath(name)


def extract(path, folder):
    """
    Copy every member of the archive at ``path`` into ``folder``; return ``{name: Member}``.
    Raises ``ArchiveError``, saying what is wrong, for anything but a whole, well-formed archive.
    """
    path, folder = Path(path), Path(folder)
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as error:
        raise ArchiveError(f"{path} cannot be read: {error.strerror or error}.") from None
    found = {}

    def copy_out(name, source):
        relative = _safe_name(name)
        if name in found:
            raise ArchiveError(f"The archive holds {name} twice.")
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            found[name] = _copy(source, out)

    try:
        if magic.startswith(b"\x1f\x8b"):
            with tarfile.open(path, "r:gz") as tar:
                for info in tar:
                    if info.isdir():
                        continue
                    if not info.isreg():
                        raise ArchiveError(f"The archive's member {info.name} is not a plain file.")
                    with tar.extractfile(info) as source:
                        copy_out(info.name, source)
                # Read to the end of the gzip stream: its length and CRC are checked only there.
                while tar.fileobj.read(CHUNK):
                    pass
        elif magic == b"PK\x03\x04":
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir():
                        continue
                    # Reading a member to its end checks its CRC.
                    with archive.open(info) as source:
                        copy_out(info.filename, source)
        else:
            raise ArchiveError(
                f"{path} is not a backup archive (a .tar.gz or .zip made by manage.py backup)."
            )
    except DAMAGED as error:
        raise ArchiveError(f"{path} is corrupt or truncated ({error or type(error).__name__}).") from None
    return found
