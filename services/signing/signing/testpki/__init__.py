"""A JPKI-shaped test PKI: ``create_test_pki(dir)`` / ``zairyu-pki init DIR [--revoked N]``.

Layout of DIR (all paths in ``manifest.json`` are relative to DIR)::

    manifest.json            everything below, plus holders' PINs, passwords and attributes
    trust/sign/*.der         trusted signature CA roots (generation 1 and 2, same DN, other keys)
    trust/auth/*.der         trusted authentication CA roots (generation 1 and 2)
    untrusted/*.der          look-alike CAs (same DN as the real ones, not trusted)
    crl/*.crl                one fresh CRL per trusted CA generation (nextUpdate = now + 1 day);
                             ``--revoked N`` adds N serials to crl/jpki-sign-g2.crl
    crl-stale/*.crl          the same CRLs as issued 12 days ago (nextUpdate already past,
                             not yet listing the revoked holder)
    holders/<id>-sign.der    signature certificate (holder attributes in subjectAltName)
    holders/<id>-auth.der    authentication certificate (subject C=JP, CN=<issuance id>)
    keys/*.key.pem           every private key (PKCS#8, unencrypted: test keys only)

Holder kinds: valid (three; one issued by generation 1), revoked, expired, not_yet_valid,
wrong_issuer (signed by a look-alike CA), wrong_key_usage (keyEncipherment only),
wrong_policy (signature and authentication policies swapped). ``more_valid=N`` (``--more-valid N``)
adds N valid holders, valid-more-001 onwards, for load tests that need more applicants.
"""

from .build import create_test_pki
from .model import HOLDER_KINDS, CaGeneration, Holder, HolderCert, TestPki, load_test_pki
from .profiles import decode_holder_san

__all__ = [
    "create_test_pki",
    "load_test_pki",
    "TestPki",
    "Holder",
    "HolderCert",
    "CaGeneration",
    "HOLDER_KINDS",
    "decode_holder_san",
]
