"""Trust anchors: real J-LIS roots accepted only when pinned; issuer found by key id, not by name."""

from __future__ import annotations

import shutil

import pytest

from signing.adapters.trust_store import PRODUCTION_PINS, TrustStore, TrustStoreError, load_certificates
from zairyu_shared.testing import shared_dir


@pytest.fixture(scope="module")
def roots_dir():
    return shared_dir() / "reference" / "jpki-roots"


def test_pinned_production_roots_load(roots_dir, tmp_path):
    for name in ("jpki-signca02.cer", "jpki-signca03.cer", "jpki-authca03.cer"):
        shutil.copy(roots_dir / name, tmp_path / name)  # a temporary copy, never committed
    store = TrustStore.from_directory(tmp_path)
    assert sorted(a.label for a in store.anchors) == ["jpki-authca03", "jpki-signca02", "jpki-signca03"]
    sign02 = next(a for a in store.anchors if a.label == "jpki-signca02")
    sign03 = next(a for a in store.anchors if a.label == "jpki-signca03")
    # two generations, one DN: only the key identifier tells them apart
    assert sign02.certificate.subject == sign03.certificate.subject
    assert sign02.key_id != sign03.key_id
    assert store.by_key_id(sign03.key_id) is sign03
    assert len(store.same_name(sign02.certificate.subject)) == 2


def test_unpinned_root_in_directory_is_refused(roots_dir):
    """The shared folder also holds the expired 01 generation, which is not pinned."""
    with pytest.raises(TrustStoreError, match=r"jpki-authca01\.cer.*not pinned"):
        TrustStore.from_directory(roots_dir)


def test_explicit_pin_list_replaces_production_pins(roots_dir, tmp_path):
    shutil.copy(roots_dir / "jpki-signca03.cer", tmp_path / "root.cer")
    cert = load_certificates((tmp_path / "root.cer").read_bytes())[0]
    with pytest.raises(TrustStoreError, match="not pinned"):
        TrustStore.from_directory(tmp_path, ["00" * 32])
    fp = "D2:27:F6:CD:E1:1D:35:C5:25:21:78:F1:06:F8:43:D2:46:51:94:49:75:41:3B:53:9F:A2:FB:68:DB:FA:36:5F"
    store = TrustStore.from_directory(tmp_path, [fp])
    assert store.anchors[0].certificate == cert


def test_real_auth_certificate_names_a_generation_we_do_not_have(roots_dir, tmp_path):
    """jpki-samples/real-auth-cert.der was issued by authca02, which is not here: same DN, unknown key."""
    from signing.domain import profiles
    from signing.domain.verdict import Reason
    from signing.domain.verification import VerificationPolicy, Verifier

    sample = shared_dir() / "reference" / "jpki-samples" / "real-auth-cert.der"
    shutil.copy(roots_dir / "jpki-authca03.cer", tmp_path / "authca03.cer")
    store = TrustStore.from_directory(tmp_path, PRODUCTION_PINS)
    cert = load_certificates(sample.read_bytes())[0]
    verdict = Verifier(store, [], VerificationPolicy()).verify_certificate(cert, profile=profiles.jpki_auth())
    assert verdict.reason == Reason.ISSUER_GENERATION_UNKNOWN
    # the real certificate fits the jpki-auth profile itself (critical policy, KU, EKU)
    profiles.check_end_entity(cert, profiles.jpki_auth())


def test_garbage_file_is_a_clear_error(tmp_path):
    (tmp_path / "bad.cer").write_bytes(b"nonsense")
    with pytest.raises(TrustStoreError, match="bad.cer"):
        TrustStore.from_directory(tmp_path)
