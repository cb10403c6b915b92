"""Attachment store on disk: each file sealed under its owner's data key, named by its owner and hash.

Files live outside the bus and the database (the events carry only SHA-256 hashes). Each file is
encrypted under the data key of the person it belongs to (zairyu_shared.subject_keys: the applicant's;
a roster entry's paper consent: that roster entry's own key), so destroying that key erases the file
in every copy of the store too, the backups kept for 30 days included (issue 20).

A sealed file's name is SHA-256(owner, SHA-256 of the bytes): the same bytes from two people are two
files under two keys (never one file the first person's erasure would take from the second), the same
bytes twice from one person are one file, and a name tells nothing about the bytes without the owner.
Writes are atomic (temporary file + rename); reads re-check the hash so a corrupted file is never served
as if it were the applicant's.

Files written before sealing (``<root>/<2 hex>/<sha256>``, plain) are still read; ``rotate-keys`` moves
them under their owners' keys (``seal_plain_files``) and deletes the plain copy.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from zairyu_shared.subject_keys import Keyring, SubjectErased

_SHA = re.compile(r"^[0-9a-f]{64}$")
_SEALED = "sealed"  # the folder of the sealed files (the 2-hex folders beside it hold the older plain files)
_MAGIC = b"zairyu-sealed-1\n"


class CorruptBlob(RuntimeError):
    pass


def _sha(value: str) -> str:
    if not _SHA.match(value or ""):
        raise ValueError("not a SHA-256 hex digest")
    return value


class AttachmentStore:
    def __init__(
        self,
        root: str | Path,
        keyring: Keyring | None = None,
        owners: Callable[[str], list[str]] | None = None,
    ):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.keyring = keyring
        self.owners = owners  # sha256 -> the people whose rows name that file (for a read by hash alone)

    # -- where ------------------------------------------------------------------------------------
    def sealed_path(self, sha256: str, owner: str) -> Path:
        name = hashlib.sha256(f"{owner}\0{_sha(sha256)}".encode()).hexdigest()
        return self.root / _SEALED / name[:2] / name

    def plain_path(self, sha256: str) -> Path:
        """A file written before sealing (plain bytes named by their hash)."""
        return self.root / _sha(sha256)[:2] / sha256

    # -- writing ----------------------------------------------------------------------------------
    def put(self, data: bytes, owner: str, conn: sa.Connection) -> str:
        """Store ``data`` as ``owner``'s, under their data key (made in ``conn``'s transaction if new)."""
        if self.keyring is None:
            raise RuntimeError("the attachment store needs the service's keyring to seal files")
        key = self.keyring.key_for_writing(conn, owner)  # SubjectErased for an erased person
        sha = hashlib.sha256(data).hexdigest()
        target = self.sealed_path(sha, owner)
        if target.is_file() and self._opens(target, key):
            return sha  # this person stored these bytes already
        # Absent, or sealed under a key that no longer exists (its transaction rolled back): write it again.
        self._write(target, _MAGIC + key.encrypt(data))
        return sha

    @staticmethod
    def _opens(path: Path, key: Fernet) -> bool:
        try:
            key.decrypt(path.read_bytes()[len(_MAGIC) :])
        except InvalidToken:
            return False
        return True

    @staticmethod
    def _write(target: Path, content: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".up-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- reading ----------------------------------------------------------------------------------
    def exists(self, sha256: str, owner: str | None = None) -> bool:
        try:
            if owner is not None:
                return self.sealed_path(sha256, owner).is_file() or self.plain_path(sha256).is_file()
            return self.plain_path(sha256).is_file() or any(
                self.sealed_path(sha256, o).is_file() for o in self._owners(sha256)
            )
        except ValueError:
            return False

    def get(self, sha256: str, owner: str | Iterable[str] | None = None) -> bytes | None:
        """The bytes, or None (no such file, or its owner is erased). ``owner`` None: whoever's rows name it."""
        try:
            _sha(sha256)
        except ValueError:
            return None
        owners = [owner] if isinstance(owner, str) else list(owner) if owner is not None else self._owners(sha256)
        for who in owners:
            path = self.sealed_path(sha256, who)
            if path.is_file():
                data = self._open(path, who)
                if data is not None:
                    return self._checked(data, sha256)
        plain = self.plain_path(sha256)
        if plain.is_file():
            return self._checked(plain.read_bytes(), sha256)
        return None

    def _owners(self, sha256: str) -> list[str]:
        return self.owners(sha256) if self.owners is not None else []

    def _open(self, path: Path, owner: str) -> bytes | None:
        if self.keyring is None:
            raise RuntimeError("the attachment store needs the service's keyring to read sealed files")
        content = path.read_bytes()
        if not content.startswith(_MAGIC):
            raise CorruptBlob(f"stored file {path.name} is not a sealed file")
        try:
            return self.keyring.open(owner, content[len(_MAGIC) :])
        except SubjectErased:
            return None  # the person is erased: their file is gone for everyone
        except RuntimeError as exc:
            raise CorruptBlob(f"stored file {path.name} does not decrypt under its owner's key") from exc

    @staticmethod
    def _checked(data: bytes, sha256: str) -> bytes:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise CorruptBlob(f"stored file {sha256} does not match its hash")
        return data

    # -- deleting ---------------------------------------------------------------------------------
    def delete(self, sha256: str, owner: str) -> None:
        self.sealed_path(sha256, owner).unlink(missing_ok=True)

    def delete_plain(self, sha256: str) -> None:
        self.plain_path(sha256).unlink(missing_ok=True)

    # -- sealing the older plain files (rotate-keys) ------------------------------------------------
    def plain_files(self) -> list[str]:
        found = []
        for folder in self.root.iterdir():
            if folder.is_dir() and len(folder.name) == 2:
                found += [f.name for f in folder.iterdir() if f.is_file() and _SHA.match(f.name)]
        return sorted(found)

    def seal_plain(self, sha256: str, owners: Iterable[str], conn: sa.Connection) -> tuple[int, int]:
        """Seal a plain file under each owner's key, then delete it. (files sealed, owners erased)."""
        data = self.get(sha256, [])
        if data is None:
            return 0, 0
        sealed = erased = 0
        for who in owners:
            try:
                self.put(data, who, conn)
                sealed += 1
            except SubjectErased:
                erased += 1  # nobody may read it as theirs any more: it is not sealed for them
        return sealed, erased
