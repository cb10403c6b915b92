"""RFC 5280 encoding rules that path validation (pyhanko-certvalidator) does not enforce.

Run on the certificates of a path that already validated; each returns a reason text or None.
Only MUST-level rules of RFC 5280 section 4 are here, so conforming paths (PKITS) still pass.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509

PATH_EXTENSIONS = {"2.5.29.33"}  # policyMappings: processed by the path validator, unknown to cryptography


def lint_path(certs: list[x509.Certificate], anchor: x509.Certificate, at: dt.datetime) -> str | None:
    """`certs` leaf first, without the anchor."""
    if at > anchor.not_valid_after_utc or at < anchor.not_valid_before_utc:
        return "trust anchor is outside its validity period"
    for index, cert in enumerate(certs + [anchor]):
        what = (
            "end-entity certificate" if index == 0 else ("trust anchor" if cert is anchor else f"intermediate {index}")
        )
        problem = _lint(cert, is_leaf=index == 0, is_anchor=cert is anchor)
        if problem:
            return f"{what}: {problem}"
    return None


def _lint(cert: x509.Certificate, is_leaf: bool, is_anchor: bool) -> str | None:
    try:
        extensions = cert.extensions
    except (x509.DuplicateExtension, ValueError, TypeError) as exc:
        return f"extensions unreadable ({exc})"
    if cert.version != x509.Version.v3 and len(extensions):
        return "extensions in a version 1 certificate"
    by_type = {type(e.value): e for e in extensions}
    if is_anchor:  # the path validator checks critical extensions of path certificates, not the anchor's
        for ext in extensions:
            if (
                ext.critical
                and isinstance(ext.value, x509.UnrecognizedExtension)
                and ext.oid.dotted_string not in PATH_EXTENSIONS
            ):
                return f"unrecognised critical extension {ext.oid.dotted_string}"
    aki = by_type.get(x509.AuthorityKeyIdentifier)
    if aki is not None and aki.critical:
        return "authorityKeyIdentifier must not be critical (4.2.1.1)"
    self_signed = cert.issuer == cert.subject
    if aki is None and not self_signed and not is_anchor:
        return "authorityKeyIdentifier missing (4.2.1.1)"
    bc = by_type.get(x509.BasicConstraints)
    is_ca = bool(bc and bc.value.ca)
    if not is_leaf or is_ca:
        if bc is None:
            return "CA certificate without basicConstraints (4.2.1.9)"
        if x509.SubjectKeyIdentifier not in by_type:
            return "CA certificate without subjectKeyIdentifier (4.2.1.2)"
        if len(cert.subject) == 0:
            return "CA certificate with an empty subject (4.1.2.6)"
    ku = by_type.get(x509.KeyUsage)
    if ku is not None and ku.value.key_cert_sign and not is_ca:
        return "keyCertSign without cA in basicConstraints (4.2.1.3)"
    san = by_type.get(x509.SubjectAlternativeName)
    if san is not None and len(cert.subject) == 0 and not san.critical:
        return "subjectAltName must be critical when the subject is empty (4.2.1.6)"
    eku = by_type.get(x509.ExtendedKeyUsage)
    if eku is not None and len(eku.value) == 0:
        return "empty extendedKeyUsage (4.2.1.12)"
    if is_leaf and not is_ca and x509.NameConstraints in by_type:
        return "nameConstraints in an end-entity certificate (4.2.1.10)"
    return None
