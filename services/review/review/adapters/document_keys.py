"""The key the bureau signs e-COEs with.

Real mode: a private key inside a PKCS#11 token (SoftHSM2 here; an HSM in production), reached through
python-pkcs11; the private key never leaves the token and is never in an environment variable: settings
name the module, the token, the key's label and a file holding the user PIN. The embedded run, with no token
configured, signs with a software key labelled DEMO (its kid starts "DEMO-"), kept in a file under var/.
Rotation: generate a key under a new label and point ZAIRYU_COE_KEY_LABEL at it; every key that ever signed
stays in the published list (document_keys table), so older documents still verify.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from zairyu_shared.documents import key_id


class NoSigningKey(RuntimeError):
    pass


@dataclass
class Pkcs11Key:
    module: str
    token_label: str
    key_label: str
    pin: str = field(repr=False)
    demo: bool = False
    kid: str = ""
    public_key_der: bytes = b""

    def __post_init__(self) -> None:
        import pkcs11
        from pkcs11 import ObjectClass
        from pkcs11.util.ec import encode_ec_public_key

        self._token = pkcs11.lib(self.module).get_token(token_label=self.token_label)
        with self._token.open(user_pin=self.pin) as session:
            # get_key is typed as returning the base Key; asked for a PUBLIC_KEY it returns a PublicKey
            public = cast(pkcs11.PublicKey, session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=self.key_label))
            self.public_key_der = encode_ec_public_key(public)
        self.kid = key_id(self.public_key_der)

    def sign_digest(self, digest: bytes) -> bytes:
        import pkcs11
        from pkcs11 import Mechanism, ObjectClass

        with self._token.open(user_pin=self.pin) as session:
            # asked for a PRIVATE_KEY of an EC pair, get_key returns a key that signs
            private = cast(
                pkcs11.SignMixin, session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self.key_label)
            )
            return bytes(private.sign(digest, mechanism=Mechanism.ECDSA))  # raw r||s over the digest


def generate_in_token(module: str, token_label: str, pin: str, key_label: str) -> Pkcs11Key:
    """A new P-256 key pair inside the token (first key or rotation); the private key is not extractable."""
    import pkcs11
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_named_curve_parameters

    token = pkcs11.lib(module).get_token(token_label=token_label)
    with token.open(user_pin=pin, rw=True) as session:
        params = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
        )
        params.generate_keypair(
            store=True, label=key_label, private_template={Attribute.EXTRACTABLE: False, Attribute.SENSITIVE: True}
        )
    return Pkcs11Key(module, token_label, key_label, pin)


@dataclass
class DemoKey:
    """The embedded run's software key: labelled DEMO in its kid and on every document it signs."""

    path: Path
    demo: bool = True
    kid: str = ""
    public_key_der: bytes = b""

    def __post_init__(self) -> None:
        key = self._load() if self.path.exists() else self._create()
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        self._key = key
        self.public_key_der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = key_id(self.public_key_der, demo=True)

    def _load(self):
        return serialization.load_pem_private_key(self.path.read_bytes(), password=None)

    def _create(self):
        """A new key, written whole under a name of its own and then linked into place: two processes
        starting at once on a new folder (the tests' two workers) end up with the one key that got there first,
        never a half-written file."""
        key = ec.generate_private_key(ec.SECP256R1())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(
                    key.private_bytes(
                        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                    )
                )
            try:
                os.link(partial, self.path)
            except FileExistsError:
                return self._load()
            return key
        finally:
            os.unlink(partial)

    def sign_digest(self, digest: bytes) -> bytes:
        r, s = utils.decode_dss_signature(self._key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256()))))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def signer_from(settings, key_label: str | None = None, demo_key_file: str | None = None) -> Pkcs11Key | DemoKey:
    """The token when one is configured; the DEMO key only in the embedded run; otherwise refuse.
    ``key_label``/``demo_key_file``: another key pair in the same token (the access log's tree heads)."""
    if settings.coe_pkcs11_module:
        if not settings.coe_pin_file:
            raise NoSigningKey("ZAIRYU_COE_PIN_FILE is required with ZAIRYU_COE_PKCS11_MODULE")
        pin = Path(settings.coe_pin_file).read_text().strip()
        return Pkcs11Key(settings.coe_pkcs11_module, settings.coe_token_label, key_label or settings.coe_key_label, pin)
    if settings.embedded:
        return DemoKey(Path(demo_key_file or settings.coe_demo_key_file))
    raise NoSigningKey(
        "no e-COE signing key: set ZAIRYU_COE_PKCS11_MODULE, ZAIRYU_COE_TOKEN_LABEL, "
        "ZAIRYU_COE_KEY_LABEL and ZAIRYU_COE_PIN_FILE (a PKCS#11 token such as SoftHSM2)"
    )


def fingerprint(public_key_der: bytes) -> str:
    return hashlib.sha256(public_key_der).hexdigest()
