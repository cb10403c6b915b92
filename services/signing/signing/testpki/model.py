"""Typed view of a test PKI directory (what ``DIR/manifest.json`` describes)."""

from __future__ import annotations

import dataclasses
import functools
import json
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from .keys import load_key

HOLDER_KINDS = ("valid", "revoked", "expired", "not_yet_valid", "wrong_issuer", "wrong_key_usage", "wrong_policy")


@dataclasses.dataclass(frozen=True)
class CaGeneration:
    id: str  # e.g. "sign-g2"
    kind: str  # "sign" | "auth"
    generation: int
    trusted: bool
    cert_path: pathlib.Path
    key_path: pathlib.Path
    crl_path: pathlib.Path | None
    stale_crl_path: pathlib.Path | None

    @functools.cached_property
    def cert(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.cert_path.read_bytes())

    @property
    def cert_der(self) -> bytes:
        return self.cert_path.read_bytes()

    @functools.cached_property
    def key(self) -> rsa.RSAPrivateKey:
        return load_key(self.key_path.read_bytes())


@dataclasses.dataclass(frozen=True)
class HolderCert:
    kind: str  # "sign" | "auth"
    cert_path: pathlib.Path
    key_path: pathlib.Path
    issuer_id: str
    serial: int

    @functools.cached_property
    def cert(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.cert_path.read_bytes())

    @property
    def cert_der(self) -> bytes:
        return self.cert_path.read_bytes()

    @functools.cached_property
    def key(self) -> rsa.RSAPrivateKey:
        return load_key(self.key_path.read_bytes())


@dataclasses.dataclass(frozen=True)
class Holder:
    id: str
    kind: str  # one of HOLDER_KINDS
    pin: str  # authentication PIN, 4 digits
    password: str  # signature password, 6-16 of A-Z0-9
    attributes: dict  # decoded: name, sex, date_of_birth (ISO), date_of_birth_code, address, ...
    sign: HolderCert
    auth: HolderCert


@dataclasses.dataclass(frozen=True)
class TestPki:
    root: pathlib.Path
    cas: tuple[CaGeneration, ...]
    holders: tuple[Holder, ...]
    policies: dict
    extra_revoked: int

    __test__ = False  # not a pytest test class

    @property
    def trust_dir(self) -> dict[str, pathlib.Path]:
        return {"sign": self.root / "trust" / "sign", "auth": self.root / "trust" / "auth"}

    @property
    def crl_dir(self) -> pathlib.Path:
        return self.root / "crl"

    @property
    def stale_crl_dir(self) -> pathlib.Path:
        return self.root / "crl-stale"

    def holder(self, holder_id: str) -> Holder:
        for holder in self.holders:
            if holder.id == holder_id:
                return holder
        raise KeyError(f"no holder {holder_id!r} in {self.root}")

    def holders_of_kind(self, kind: str) -> list[Holder]:
        return [h for h in self.holders if h.kind == kind]

    def first(self, kind: str = "valid") -> Holder:
        return self.holders_of_kind(kind)[0]

    def ca(self, ca_id: str) -> CaGeneration:
        return next(ca for ca in self.cas if ca.id == ca_id)

    def roots(self, kind: str) -> list[CaGeneration]:
        return [ca for ca in self.cas if ca.kind == kind and ca.trusted]

    def issuer_of(self, cert: HolderCert) -> CaGeneration:
        return self.ca(cert.issuer_id)


def _holder_cert(root: pathlib.Path, raw: dict, kind: str) -> HolderCert:
    return HolderCert(
        kind=kind,
        cert_path=root / raw["cert"],
        key_path=root / raw["key"],
        issuer_id=raw["issuer"],
        serial=int(raw["serial"]),
    )


def load_test_pki(path: str | pathlib.Path) -> TestPki:
    root = pathlib.Path(path).resolve()
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    cas = tuple(
        CaGeneration(
            id=raw["id"],
            kind=raw["kind"],
            generation=raw["generation"],
            trusted=raw["trusted"],
            cert_path=root / raw["cert"],
            key_path=root / raw["key"],
            crl_path=root / raw["crl"] if raw.get("crl") else None,
            stale_crl_path=root / raw["stale_crl"] if raw.get("stale_crl") else None,
        )
        for raw in manifest["cas"]
    )
    holders = tuple(
        Holder(
            id=raw["id"],
            kind=raw["kind"],
            pin=raw["pin"],
            password=raw["password"],
            attributes=raw["attributes"],
            sign=_holder_cert(root, raw["sign"], "sign"),
            auth=_holder_cert(root, raw["auth"], "auth"),
        )
        for raw in manifest["holders"]
    )
    return TestPki(
        root=root,
        cas=cas,
        holders=holders,
        policies=manifest["policies"],
        extra_revoked=manifest.get("extra_revoked", 0),
    )
