"""Key identifiers: how an issuer is recognised when CA generations share one DN."""

from __future__ import annotations

from cryptography import x509

from signing.domain.cert_fields import fields


def key_identifier(cert: x509.Certificate) -> bytes:
    """The subject key identifier, or the RFC 5280 method-1 SHA-1 of the key when absent."""
    return fields(cert).key_id


def authority_key_identifier(obj: x509.Certificate | x509.CertificateRevocationList) -> bytes | None:
    """AKI keyid of a certificate or CRL, if it carries one."""
    if isinstance(obj, x509.Certificate):
        return fields(obj).authority_key_id
    try:
        return obj.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        return None
