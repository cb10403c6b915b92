"""The embedded run's DEMO signing key file: made once and read back after; two processes making it at the same
moment (the test suite's two workers on a new /tmp) end up with one key, never a half-written file."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from review.adapters import document_keys
from review.adapters.document_keys import DemoKey


def test_the_demo_key_is_made_once_private_to_its_owner_and_read_back(tmp_path):
    path = tmp_path / "keys" / "coe-demo-key.pem"
    first = DemoKey(path)
    again = DemoKey(path)
    assert first.kid.startswith("DEMO-") and again.kid == first.kid
    assert again.public_key_der == first.public_key_der
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["coe-demo-key.pem"]  # no partial file left


def test_a_key_linked_by_another_process_meanwhile_is_the_one_used(tmp_path, monkeypatch):
    path = tmp_path / "coe-demo-key.pem"
    theirs = ec.generate_private_key(ec.SECP256R1())
    real_link = os.link

    def another_process_got_there_first(src, dst):
        # between this process's check for the file and its link, the other worker wrote its whole key
        with open(dst, "wb") as out:
            out.write(
                theirs.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
        real_link(src, dst)

    monkeypatch.setattr(document_keys.os, "link", another_process_got_there_first)
    ours = DemoKey(path)
    assert ours.public_key_der == theirs.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    monkeypatch.undo()
    assert DemoKey(path).kid == ours.kid
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coe-demo-key.pem"]
