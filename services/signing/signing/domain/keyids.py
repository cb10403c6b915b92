"""Key identifiers: how an issuer is recognised when CA generations share one DN."""
from __future__ import annotations

from cryptography import x509


def key_identifier(cert: x509.Certificate) -> bytes:
    """The subject key identifier, or the RFC 5280 method-1 SHA-1 of the key when absent."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest


def authority_key_identifier(obj) -> bytes | None:
    """AKI keyid of a certificate or CRL, if it carries one."""
    try:
        return obj.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        return None
