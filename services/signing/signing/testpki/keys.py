"""RSA key supply for the test PKI.

RSA-2048 generation costs ~50 ms a key and a default test PKI needs ~25 keys, so keys are drawn
from an on-disk pool that later runs reuse (``ZAIRYU_TEST_KEY_CACHE``, default
``~/.cache/zairyu/test-pki-keys``; set it to ``off`` to always generate fresh keys). Keys are
only ever test keys: reusing them across test PKIs is harmless, but within one PKI every role
gets a distinct key (pool index = role index).
"""

from __future__ import annotations

import fcntl
import os
import pathlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048


def _cache_dir() -> pathlib.Path | None:
    configured = os.environ.get("ZAIRYU_TEST_KEY_CACHE")
    if configured and configured.lower() in ("off", "0", "no"):
        return None
    if configured:
        return pathlib.Path(configured)
    return pathlib.Path.home() / ".cache" / "zairyu" / "test-pki-keys"


def _generate() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_key(pem: bytes) -> rsa.RSAPrivateKey:
    # Our own freshly written test keys: skip the slow RSA consistency check.
    key = serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=True)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


class KeyPool:
    """Hands out distinct keys: the n-th call returns pool key n (generated once, then cached)."""

    def __init__(self, cache: pathlib.Path | None = None, use_cache: bool = True) -> None:
        self._dir = (cache or _cache_dir()) if use_cache else None
        self._next = 0

    def take(self) -> rsa.RSAPrivateKey:
        index = self._next
        self._next += 1
        if self._dir is None:
            return _generate()
        path = self._dir / f"key-{index:03d}.pem"
        try:
            return load_key(path.read_bytes())
        except (FileNotFoundError, ValueError):
            pass
        self._dir.mkdir(parents=True, exist_ok=True)
        # A lock so concurrent test sessions do not write the same slot twice.
        with open(self._dir / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if path.exists():
                return load_key(path.read_bytes())
            key = _generate()
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(_pem(key))
            os.replace(tmp, path)
            return key


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return _pem(key)
