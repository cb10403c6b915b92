"""The `rfc5280` profile: plain RFC 5280 path validation with CRLs, by pyhanko-certvalidator.

pyhanko-certvalidator is RFC-complete (policy processing, name constraints, indirect and delta
CRLs: NIST PKITS 248/249) but re-reads CRLs on every validation, so the JPKI hot path uses
signing.domain.verification instead; this profile serves general chains and the conformance suites.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import warnings
from collections.abc import Iterable

from asn1crypto import crl as acrl
from asn1crypto import pem
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.x509 import verification as xv
from pyhanko_certvalidator import CertificateValidator, PKIXValidationParams, ValidationContext
from pyhanko_certvalidator import errors as perr
from pyhanko_certvalidator.policy_decl import DisallowWeakAlgorithmsPolicy

from signing.domain.cert_lint import lint_path
from signing.domain.verdict import Reason, Verdict

ANY_POLICY = "2.5.29.32.0"
STRICT_WEAK_HASHES = frozenset({"md2", "md5", "sha1"})
MAX_INTERMEDIATES = 16
LEGACY_WEAK_HASHES = frozenset({"md2", "md5"})  # what PKITS needs: its DSA tests are SHA-1


@dataclasses.dataclass(frozen=True)
class PolicyParams:
    """RFC 5280 section 6.1.1 inputs (c), (e), (f), (g)."""

    user_initial_policy_set: frozenset[str] = frozenset({ANY_POLICY})
    initial_policy_mapping_inhibit: bool = False
    initial_explicit_policy: bool = False
    initial_any_policy_inhibit: bool = False

    def to_pyhanko(self) -> PKIXValidationParams:
        return PKIXValidationParams(
            # asn1crypto names anyPolicy "any_policy"; other OIDs stay dotted.
            user_initial_policy_set=frozenset(
                "any_policy" if p == ANY_POLICY else p for p in self.user_initial_policy_set
            ),
            initial_policy_mapping_inhibit=self.initial_policy_mapping_inhibit,
            initial_explicit_policy=self.initial_explicit_policy,
            initial_any_policy_inhibit=self.initial_any_policy_inhibit,
        )


def _cert(data) -> ax509.Certificate:
    if isinstance(data, ax509.Certificate):
        return data
    if hasattr(data, "public_bytes"):  # a cryptography certificate
        from cryptography.hazmat.primitives.serialization import Encoding

        data = data.public_bytes(Encoding.DER)
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return ax509.Certificate.load(data)


def _crl(data) -> acrl.CertificateList:
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return acrl.CertificateList.load(data)


_NC_CA_POLICY = xv.ExtensionPolicy.permit_all().require_present(x509.BasicConstraints, xv.Criticality.AGNOSTIC, None)


def _name_constraints(chain: list[x509.Certificate], root: x509.Certificate, at: dt.datetime) -> str | None:
    """pyhanko-certvalidator misses several name-constraint cases (x509-limbo); cryptography's
    verifier does not. Only its name-constraint findings are taken: on other points it is stricter
    than RFC 5280 (byte-exact name chaining) and would reject valid PKITS paths."""
    if not any(_has(c, x509.NameConstraints) for c in chain[1:] + [root]):
        return None
    verifier = (
        xv.PolicyBuilder()
        .store(xv.Store([root]))
        .time(at)
        .extension_policies(ca_policy=_NC_CA_POLICY, ee_policy=xv.ExtensionPolicy.permit_all())
        .build_client_verifier()
    )
    try:
        verifier.verify(chain[0], chain[1:])
    except xv.VerificationError as exc:
        message = str(exc)
        lowered = message.lower()
        # "unsupported" (directoryName, URI constraints): cryptography cannot judge; pyhanko's answer stands
        if "name constraint" in lowered and "unsupported" not in lowered:
            return f"name constraints: {message.split(': ', 1)[-1]}"
    return None


def _has(cert: x509.Certificate, ext_type) -> bool:
    try:
        cert.extensions.get_extension_for_class(ext_type)
        return True
    except (x509.ExtensionNotFound, ValueError, TypeError):
        return False


def _conforming_crl(data: bytes) -> bool:
    """RFC 5280 5.2.3: a conforming CRL carries a non-critical cRLNumber; others are not used."""
    try:
        crl = x509.load_pem_x509_crl(data) if pem.detect(data) else x509.load_der_x509_crl(data)
        number = crl.extensions.get_extension_for_class(x509.CRLNumber)
    except x509.ExtensionNotFound:
        return False
    except (ValueError, TypeError):
        return True  # unreadable to cryptography: pyhanko-certvalidator decides
    return not number.critical


def _name_matches(cert: ax509.Certificate, peer_name: str) -> bool:
    try:
        return cert.is_valid_domain_ip(peer_name)
    except ValueError:  # includes UnicodeError from IDNA encoding of a malformed SAN
        return False


def _name(name) -> str:
    try:
        return name.human_friendly
    except (RecursionError, ValueError):
        return "(unprintable name)"


def validate_rfc5280(
    leaf,
    intermediates: Iterable = (),
    roots: Iterable = (),
    crls: Iterable[bytes] = (),
    *,
    at: dt.datetime | None = None,
    params: PolicyParams | None = None,
    revocation_mode: str = "require",
    weak_hashes: frozenset[str] = STRICT_WEAK_HASHES,
    key_usage: Iterable[str] = (),
    extended_key_usage: Iterable[str] | None = None,
    peer_name: str | None = None,
    max_chain_depth: int | None = None,
    max_intermediates: int = MAX_INTERMEDIATES,
    lint: bool = True,
) -> Verdict:
    """Validate `leaf` up to one of `roots` (DER/PEM bytes, asn1crypto or cryptography certificates).

    revocation_mode (pyhanko's terms): "require" - every certificate on the path needs a CRL answer;
    "hard-fail" - a certificate naming a distribution point must have an answer; "soft-fail" -
    revocation data is used where present.
    """
    at = at or dt.datetime.now(dt.UTC)
    facts: dict = dict(profile="rfc5280", validation_time=at)
    try:
        intermediates = list(intermediates)
        if len(intermediates) > max_intermediates:
            # pyhanko's path builder explores every combination: bound the input, not the search
            return Verdict(
                valid=False,
                reason=Reason.MALFORMED,
                detail=f"{len(intermediates)} candidate intermediates, more than {max_intermediates}",
                **facts,
            )
        leaf = _cert(leaf)
        facts.update(serial=format(leaf.serial_number, "X"), subject=_name(leaf.subject), issuer=_name(leaf.issuer))
        context = ValidationContext(
            trust_roots=[_cert(r) for r in roots],
            other_certs=[_cert(c) for c in intermediates],
            crls=[_crl(c) for c in crls if _conforming_crl(c)],
            moment=at,
            time_tolerance=dt.timedelta(0),
            revocation_mode=revocation_mode,
            algorithm_usage_policy=DisallowWeakAlgorithmsPolicy(
                weak_hash_algos=set(weak_hashes), dsa_key_size_threshold=1024
            ),
        )
        validator = CertificateValidator(
            leaf, validation_context=context, pkix_params=(params or PolicyParams()).to_pyhanko()
        )
        path = asyncio.run(validator.async_validate_usage(set(key_usage), set(extended_key_usage or ()) or None))
    except perr.RevokedError as exc:
        return Verdict(valid=False, reason=Reason.REVOKED, detail=str(exc), **facts)
    except perr.StaleRevinfoError as exc:
        return Verdict(valid=False, reason=Reason.REVOCATION_STALE, detail=str(exc), **facts)
    except perr.InsufficientRevinfoError as exc:
        return Verdict(valid=False, reason=Reason.REVOCATION_UNAVAILABLE, detail=str(exc), **facts)
    except perr.ExpiredError as exc:
        return Verdict(valid=False, reason=Reason.EXPIRED, detail=str(exc), **facts)
    except perr.NotYetValidError as exc:
        return Verdict(valid=False, reason=Reason.NOT_YET_VALID, detail=str(exc), **facts)
    except perr.DisallowedAlgorithmError as exc:
        return Verdict(valid=False, reason=Reason.WEAK_ALGORITHM, detail=str(exc), **facts)
    except perr.InvalidCertificateError as exc:
        return Verdict(valid=False, reason=Reason.WRONG_KEY_USAGE, detail=str(exc), **facts)
    except perr.PathBuildingError as exc:
        return Verdict(valid=False, reason=Reason.UNTRUSTED_ISSUER, detail=str(exc), **facts)
    except perr.PathValidationError as exc:
        msg = str(exc)
        reason = Reason.WRONG_POLICY if "polic" in msg else Reason.UNTRUSTED_ISSUER
        return Verdict(valid=False, reason=reason, detail=msg, **facts)
    except NotImplementedError as exc:  # e.g. IP-address name constraints: fail closed
        return Verdict(valid=False, reason=Reason.UNTRUSTED_ISSUER, detail=f"validator cannot check: {exc}", **facts)
    except (ValueError, TypeError, RecursionError) as exc:
        # RecursionError: asn1crypto on pathologically nested input (x509-limbo has such cases)
        return Verdict(valid=False, reason=Reason.MALFORMED, detail=f"unreadable input: {type(exc).__name__}", **facts)
    anchor = path.trust_anchor
    facts["root_label"] = _name(anchor.name) if hasattr(anchor, "name") else None
    if lint:
        try:
            with warnings.catch_warnings():  # non-positive serials: a pedantic rule we do not apply
                warnings.simplefilter("ignore")
                chain = [x509.load_der_x509_certificate(c.dump()) for c in path.iter_certs(include_root=False)][::-1]
                root = x509.load_der_x509_certificate(anchor.certificate.dump())
            problem = lint_path(chain, root, at) or _name_constraints(chain, root, at)
        except ValueError:
            problem = None  # cryptography cannot read it (e.g. DSA with inherited parameters): no lint
        if problem:
            return Verdict(valid=False, reason=Reason.MALFORMED, detail=problem, **facts)
    # self-issued intermediates (key rollover) do not count towards the depth, as for pathLenConstraint
    depth = sum(1 for c in path.iter_certs(include_root=False) if c is not leaf and not c.self_issued)
    if max_chain_depth is not None and depth > max_chain_depth:
        return Verdict(
            valid=False,
            reason=Reason.UNTRUSTED_ISSUER,
            detail=f"path has {depth} intermediates, more than {max_chain_depth}",
            **facts,
        )
    if peer_name is not None and not _name_matches(leaf, peer_name):
        return Verdict(
            valid=False, reason=Reason.HOLDER_MISMATCH, detail=f"certificate is not valid for {peer_name}", **facts
        )
    qualified = path.qualified_policies()
    policies = (
        sorted({ANY_POLICY if q.user_domain_policy_id == "any_policy" else q.user_domain_policy_id for q in qualified})
        if qualified is not None
        else []
    )
    return Verdict(valid=True, policies=policies, **facts)
