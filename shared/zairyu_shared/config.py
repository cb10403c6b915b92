"""Settings from environment variables, validated at start.

Each service declares one settings dataclass; every field documents its variable and default.
A bad value stops the service with a message naming the variable, not a stack trace later.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import MISSING, dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Settings = TypeVar("_Settings", bound="DataclassInstance")


class ConfigError(SystemExit):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("configuration error:\n  " + "\n  ".join(problems))
        self.problems = problems


def setting(
    env: str,
    default: Any = MISSING,
    help: str = "",
    choices: tuple[object, ...] | None = None,
    minimum: float | None = None,
    secret: bool = False,
) -> Any:
    """A field read from ``env``; no default means the variable is required.

    Returns Any like ``dataclasses.field``'s overloads do: the annotation on the left says the type."""
    meta = {"env": env, "help": help, "choices": choices, "minimum": minimum, "secret": secret}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def _convert(raw: str, typ: Any) -> Any:  # Any: the value has whatever type the field's hint says
    origin = typing.get_origin(typ)
    if origin is typing.Union or origin is getattr(__import__("types"), "UnionType", None):
        args = [a for a in typing.get_args(typ) if a is not type(None)]
        return _convert(raw, args[0]) if raw != "" else None
    if typ is bool:
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected true/false")
    if typ is int:
        return int(raw)
    if typ is float:
        return float(raw)
    if typ in (tuple, tuple[str, ...]) or origin is tuple:
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    return raw


def load(cls: type[_Settings], environ: typing.Mapping[str, str] | None = None, **overrides: Any) -> _Settings:
    """Build ``cls`` from the environment (plus explicit overrides), collecting every problem."""
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if f.name in overrides:
            values[f.name] = overrides[f.name]
            continue
        env = meta.get("env")
        if env and env in environ:
            try:
                value = _convert(environ[env], hints[f.name])
            except ValueError as exc:
                problems.append(f"{env}={environ[env]!r}: {exc}")
                continue
        elif f.default is not MISSING:
            value = f.default
        elif f.default_factory is not MISSING:
            value = f.default_factory()
        else:
            problems.append(f"{env} is required: {meta.get('help', '')}")
            continue
        if meta.get("choices") and value not in meta["choices"]:
            problems.append(f"{env}={value!r}: must be one of {', '.join(map(str, meta['choices']))}")
        if meta.get("minimum") is not None and value is not None and value < meta["minimum"]:
            problems.append(f"{env}={value!r}: must be at least {meta['minimum']}")
        values[f.name] = value
    for old, new in getattr(cls, "RENAMED", {}).items():  # an old name must not be ignored in silence
        if old in environ:
            problems.append(f"{old} is no longer read: use {new}")
    if problems:
        raise ConfigError(problems)
    obj = cls(**values)
    check = getattr(obj, "validate", None)
    if check:
        more = check()
        if more:
            raise ConfigError(list(more))
    return obj


def limits_by_name(
    env: str, entries: tuple[str, ...], defaults: typing.Mapping[str, int]
) -> tuple[dict[str, int], list[str]]:
    """``name=number`` entries of a setting over ``defaults`` (a name left out keeps its default): the
    limits and the problems (an unknown name, a number that is not a whole number of at least 0)."""
    limits = dict(defaults)
    problems: list[str] = []
    for entry in entries:
        name, sep, number = (part.strip() for part in entry.partition("="))
        if not sep or name not in defaults:
            problems.append(f"{env}: {entry!r} is not name=number with a name among {', '.join(defaults)}")
        elif not number.isdigit():
            problems.append(f"{env}: {entry!r}: the number must be a whole number, 0 or more")
        else:
            limits[name] = int(number)
    return limits, problems


def describe(cls: type[DataclassInstance]) -> list[tuple[str, str, str]]:
    """(variable, default, help) rows for the README's configuration tables."""
    rows: list[tuple[str, str, str]] = []
    for f in dataclasses.fields(cls):
        if "env" not in f.metadata:
            continue
        default = "(required)" if f.default is MISSING and f.default_factory is MISSING else repr(f.default)
        rows.append((f.metadata["env"], default, f.metadata.get("help", "")))
    return rows


@dataclass(frozen=True)
class CommonSettings:
    """What every service reads. Services subclass this and add their own fields."""

    database_url: str = setting("DATABASE_URL", help="SQLAlchemy URL of this service's own database")
    amqp_url: str = setting(
        "AMQP_URL", "memory://", help="RabbitMQ URL (amqp://user:pass@host:5672/vhost); memory:// in the embedded run"
    )
    data_keys: tuple[str, ...] = setting(
        "ZAIRYU_DATA_KEYS",
        (),
        help="Comma-separated Fernet keys for personal data at rest; the first encrypts, all decrypt (rotation)",
        secret=True,
    )
    secret_key: str = setting(
        "ZAIRYU_SECRET_KEY", "", help="Flask session signing key (required outside the embedded run)", secret=True
    )
    secret_key_fallbacks: tuple[str, ...] = setting(
        "ZAIRYU_SECRET_KEY_FALLBACKS",
        (),
        help="Comma-separated previous session keys, still accepted for reading sessions (rotation without signing anyone out)",
        secret=True,
    )
    erasure_ledger: str = setting(
        "ZAIRYU_ERASURE_LEDGER",
        "",
        help="Append-only file of erased subjects, outside the database: re-applied after a restore (docs/operations.md)",
    )
    log_level: str = setting("LOG_LEVEL", "INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    prefetch: int = setting("ZAIRYU_PREFETCH", 200, help="Unacked messages a consumer may hold", minimum=1)
    relay_batch: int = setting("ZAIRYU_RELAY_BATCH", 500, help="Outbox rows published per confirm window", minimum=1)
    handler_attempts: int = setting(
        "ZAIRYU_HANDLER_ATTEMPTS", 5, help="Handler failures before a message is dead-lettered", minimum=1
    )
    purge_minutes: int = setting(
        "ZAIRYU_PURGE_MINUTES",
        60,
        help="Minutes between retention purges in the consume process (0: off; `purge` command)",
    )
    purge_batch: int = setting(
        "ZAIRYU_PURGE_BATCH", 500, help="Rows deleted per transaction by the retention purge", minimum=1
    )
    embedded: bool = setting(
        "ZAIRYU_EMBEDDED", False, help="Embedded demo mode (SQLite, in-process bus, demo card). Never in production"
    )

    def validate(self) -> list[str]:
        problems = []
        if not (self.database_url.startswith("postgresql") or self.database_url.startswith("sqlite")):
            problems.append(
                f"DATABASE_URL must be a postgresql:// or sqlite:// URL, got {self.database_url.split(':')[0]}://"
            )
        if not self.amqp_url.startswith(("amqp://", "amqps://", "pyamqp://", "memory://")):
            problems.append("AMQP_URL must be amqp://, amqps:// or memory://")
        if not self.embedded:
            if self.amqp_url.startswith("memory://"):
                problems.append("AMQP_URL=memory:// is only for the embedded run (set ZAIRYU_EMBEDDED=true)")
            if len(self.secret_key) < 32:
                problems.append("ZAIRYU_SECRET_KEY must be at least 32 characters outside the embedded run")
            if not self.data_keys:
                problems.append("ZAIRYU_DATA_KEYS is required outside the embedded run")
            if any(len(k) < 32 for k in self.secret_key_fallbacks):
                problems.append("every ZAIRYU_SECRET_KEY_FALLBACKS entry must be at least 32 characters")
        from .crypto import check_keys

        problems.extend(check_keys(self.data_keys))
        return problems


REDIS_SCHEMES = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://", "redis+unix://")


@dataclass(frozen=True)
class FrontSettings(CommonSettings):
    """What a service whose web front people sign in to (intake, review, card-delivery) adds: where its rate
    limits count and how many proxies stand in front. One name for each across the services."""

    RENAMED: typing.ClassVar[dict[str, str]] = {
        "ZAIRYU_REVIEW_PROXY_HOPS": "ZAIRYU_PROXY_HOPS",
        "ZAIRYU_TRUSTED_PROXIES": "ZAIRYU_PROXY_HOPS (how many proxies, not their addresses)",
        "ZAIRYU_RATELIMIT_STORAGE_URI": "ZAIRYU_RATELIMIT_STORAGE",
    }

    ratelimit_storage: str = setting(
        "ZAIRYU_RATELIMIT_STORAGE",
        "",
        help="Where rate limits count: redis://[:password@]host:6379/0, shared by every worker and pod (required "
        "outside the embedded run; memory:// there would give each process its own budget). Empty in the "
        "embedded run: memory",
    )
    ratelimit_prefix: str = setting(
        "ZAIRYU_RATELIMIT_PREFIX",
        "zairyu",
        help="Prefix of the rate-limit keys in Redis (several environments on one Redis)",
    )
    proxy_hops: int = setting(
        "ZAIRYU_PROXY_HOPS",
        0,
        minimum=0,
        help="Reverse proxies in front of the web front (behind the ingress: 1). The client address (rate limits, "
        "audit, geo gate) is the one the outermost of them saw; 0 ignores X-Forwarded-For",
    )
    proxy_networks: tuple[str, ...] = setting(
        "ZAIRYU_PROXY_NETWORKS",
        (),
        help="Comma-separated IPs/CIDRs the nearest proxy connects from (the ingress controller's pods); a request "
        "from any other peer has its X-Forwarded-* ignored. Empty: any peer (only when nothing else can connect)",
    )

    @property
    def ratelimit_storage_uri(self) -> str:
        return self.ratelimit_storage or "memory://"

    def validate(self) -> list[str]:
        problems: list[str] = super().validate()
        storage = self.ratelimit_storage
        import ipaddress

        for net in self.proxy_networks:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                problems.append(f"ZAIRYU_PROXY_NETWORKS: {net!r} is not an IP address or CIDR range")
        if storage and not storage.startswith((*REDIS_SCHEMES, "memory://")):
            problems.append("ZAIRYU_RATELIMIT_STORAGE must be a redis:// URL (or memory:// in the embedded run)")
        elif not self.embedded and not storage.startswith(REDIS_SCHEMES):
            # Per-process counting multiplies every limit by workers x pods (issue 15, finding 9).
            problems.append(
                "ZAIRYU_RATELIMIT_STORAGE must be a redis:// URL outside the embedded run "
                "(memory:// counts per process: every worker and pod would get its own budget)"
            )
        return problems
