"""Create a JPKI-shaped test PKI on disk (layout documented in ``signing.testpki``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import secrets
import string
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from . import profiles
from .crl import build_crl
from .keys import KeyPool, key_pem
from .model import TestPki, load_test_pki
from .profiles import EndEntitySpec, HolderAttributes

DAY = dt.timedelta(days=1)
YEAR = 365 * DAY
REASON_AFFILIATION_CHANGED = 3  # name/address change: the usual reason a JPKI cert is revoked

# (id, kind, attributes). The foreign residents are the people this project serves.
HOLDERS = (
    (
        "valid-nguyen",
        "valid",
        HolderAttributes(
            "ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ",
            "1",
            dt.date(1994, 3, 2),
            "東京都新宿区大久保一丁目２番３号　コーポ大久保１０１",
        ),
    ),
    (
        "valid-santos",
        "valid",
        HolderAttributes("サントス　マリア　クルス", "2", dt.date(1988, 11, 20), "東京都足立区千住旭町１２番３号"),
    ),
    (
        "valid-wang",
        "valid",
        HolderAttributes("王　偉", "1", dt.date(2001, 7, 15), "東京都豊島区池袋二丁目１番１号", name_substituted="010"),
    ),
    (
        "revoked",
        "revoked",
        HolderAttributes("チャン　ティ　ホア", "2", dt.date(1999, 1, 5), "東京都江戸川区西葛西六丁目５番７号"),
    ),
    (
        "expired",
        "expired",
        HolderAttributes("シャルマ　ラジ", "1", dt.date(1985, 6, 30), "東京都江東区大島三丁目２番１号"),
    ),
    (
        "not-yet-valid",
        "not_yet_valid",
        HolderAttributes("キム　ミンジュン", "1", dt.date(2003, 12, 1), "東京都新宿区百人町二丁目４番５号"),
    ),
    (
        "wrong-issuer",
        "wrong_issuer",
        HolderAttributes("ＳＭＩＴＨ　ＪＯＨＮ", "1", dt.date(1979, 2, 14), "東京都港区六本木一丁目１番１号"),
    ),
    (
        "wrong-key-usage",
        "wrong_key_usage",
        HolderAttributes("リー　スーザン", "2", dt.date(1992, 9, 9), "東京都中野区中野四丁目１番１号"),
    ),
    (
        "wrong-policy",
        "wrong_policy",
        HolderAttributes("ペレイラ　ジョアン", "1", dt.date(1990, 4, 1), "東京都大田区蒲田五丁目１３番１４号"),
    ),
)


FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def more_valid_holders(count: int) -> list[tuple[str, str, HolderAttributes]]:
    """`count` more valid holders for load tests that need more applicants than the three above (intake
    caps each account's open drafts): distinct names and addresses, full-width as the card writes them."""
    holders = []
    for n in range(1, count + 1):
        number = f"{n:03d}".translate(FULL_WIDTH_DIGITS)
        attributes = HolderAttributes(
            f"テスト　ハナコ{number}",
            "2" if n % 2 else "1",
            dt.date(1980, 1, 1) + n * 37 * DAY,
            f"東京都新宿区百人町一丁目{number}番１号",
        )
        holders.append((f"valid-more-{n:03d}", "valid", attributes))
    return holders


def _pin() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(4))


def _password() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


@dataclasses.dataclass
class _Ca:
    id: str
    kind: str
    generation: int
    trusted: bool
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    revoked: list[tuple[int, dt.datetime, Any]] = dataclasses.field(default_factory=list)


def create_test_pki(
    path: str | pathlib.Path,
    revoked: int = 0,
    *,
    exact_dn: bool = False,
    now: dt.datetime | None = None,
    use_key_cache: bool = True,
    more_valid: int = 0,
) -> TestPki:
    """Write a test PKI into ``path`` (created if missing) and return its typed view.

    ``revoked`` adds that many random serials to the signature CA generation-2 CRL; ``more_valid`` adds
    that many valid holders (generation 2, two keys each) after the fixed ones.
    """
    root = pathlib.Path(path).resolve()
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    for sub in ("trust/sign", "trust/auth", "untrusted", "crl", "crl-stale", "keys", "holders"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    keys = KeyPool(use_cache=use_key_cache)

    def write(rel: str, data: bytes) -> str:
        (root / rel).write_bytes(data)
        return rel

    cas: dict[str, _Ca] = {}
    # Generation 1 is older (like signca02), generation 2 current (like signca03); same DN.
    windows = {1: (now - 5 * YEAR, now + 5 * YEAR), 2: (now - YEAR, now + 9 * YEAR)}
    for kind in ("sign", "auth"):
        for generation, (start, end) in windows.items():
            key = keys.take()
            cas[f"{kind}-g{generation}"] = _Ca(
                f"{kind}-g{generation}", kind, generation, True, profiles.build_ca(kind, key, start, end, exact_dn), key
            )
        # Same DN, different key, not in the trust store: the "wrong issuer".
        key = keys.take()
        cas[f"{kind}-lookalike"] = _Ca(
            f"{kind}-lookalike", kind, 1, False, profiles.build_ca(kind, key, now - YEAR, now + 9 * YEAR, exact_dn), key
        )

    policies = {"sign": profiles.POLICY_SIGN_TEST, "auth": profiles.POLICY_AUTH}
    holder_entries = []
    for index, (holder_id, kind, attributes) in enumerate([*HOLDERS, *more_valid_holders(more_valid)]):
        generation = 1 if index == 1 else 2  # one valid holder from the older generation
        start, end = now - 30 * DAY, now + 5 * YEAR
        if kind == "expired":
            generation, start, end = 1, now - 5 * YEAR, now - 10 * DAY
        elif kind == "not_yet_valid":
            start = now + 30 * DAY
        entry: dict[str, Any] = {"id": holder_id, "kind": kind, "pin": _pin(), "password": _password()}
        for cert_kind in ("sign", "auth"):
            ca = cas[f"{cert_kind}-lookalike" if kind == "wrong_issuer" else f"{cert_kind}-g{generation}"]
            policy = policies[cert_kind]
            if kind == "wrong_policy":  # the other certificate's policy: a classic mix-up
                policy = policies["auth" if cert_kind == "sign" else "sign"]
            spec = EndEntitySpec(
                kind=cert_kind,
                not_before=start,
                not_after=end,
                policy=policy,
                key_usage="wrong" if kind == "wrong_key_usage" else "normal",
                attributes=attributes if cert_kind == "sign" else None,
                exact_dn=exact_dn,
            )
            key = keys.take()
            cert = profiles.build_end_entity(spec, key, ca.cert, ca.key)
            if kind == "revoked":
                ca.revoked.append((cert.serial_number, now - 10 * DAY, REASON_AFFILIATION_CHANGED))
            base = f"holders/{holder_id}-{cert_kind}"
            entry[cert_kind] = {
                "cert": write(base + ".der", cert.public_bytes(Encoding.DER)),
                "key": write(f"keys/{holder_id}-{cert_kind}.key.pem", key_pem(key)),
                "issuer": ca.id,
                "serial": str(cert.serial_number),
            }
        values = attributes.as_san_values()
        entry["attributes"] = {
            **values,
            "date_of_birth": attributes.date_of_birth.isoformat(),
            "date_of_birth_code": values["date_of_birth"],
        }
        holder_entries.append(entry)

    if revoked:
        big = cas["sign-g2"]
        when = now - 2 * DAY
        serials = {secrets.randbits(63) | 1 << 62 for _ in range(revoked)}
        while len(serials) < revoked:
            serials.add(secrets.randbits(63) | 1 << 62)
        big.revoked.extend((serial, when, None) for serial in serials)

    ca_entries = []
    for ca in cas.values():
        trust_rel = f"trust/{ca.kind}/jpki-{ca.id}.der" if ca.trusted else f"untrusted/jpki-{ca.id}.der"
        entry = {
            "id": ca.id,
            "kind": ca.kind,
            "generation": ca.generation,
            "trusted": ca.trusted,
            "cert": write(trust_rel, ca.cert.public_bytes(Encoding.DER)),
            "key": write(f"keys/ca-{ca.id}.key.pem", key_pem(ca.key)),
            "subject": ca.cert.subject.rfc4514_string(),
            "ski": ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex(),
        }
        if ca.trusted:
            fresh = build_crl(
                issuer=ca.cert,
                issuer_key=ca.key,
                this_update=now - dt.timedelta(hours=1),
                next_update=now + DAY,
                number=2,
                revoked=ca.revoked,
            )
            entry["crl"] = write(f"crl/jpki-{ca.id}.crl", fresh)
            # Stale: issued before the holder revocation, nextUpdate already past.
            stale = build_crl(
                issuer=ca.cert,
                issuer_key=ca.key,
                this_update=now - 12 * DAY,
                next_update=now - 11 * DAY,
                number=1,
                revoked=[],
            )
            entry["stale_crl"] = write(f"crl-stale/jpki-{ca.id}.crl", stale)
        ca_entries.append(entry)

    manifest = {
        "format": "zairyu-test-pki/1",
        "created": now.isoformat(),
        "exact_dn": exact_dn,
        "policies": policies,
        "trust": {"sign": "trust/sign", "auth": "trust/auth"},
        "crl_dir": "crl",
        "stale_crl_dir": "crl-stale",
        "extra_revoked": revoked,
        "cas": ca_entries,
        "holders": holder_entries,
    }
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return load_test_pki(root)
