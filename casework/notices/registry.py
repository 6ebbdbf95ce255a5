"""The platform registry: which platform a host belongs to, where its notices go, under which law.

The operator keeps it in a TOML file (``TAKEDOWN_PLATFORM_REGISTRY``); without one, the shipped
``platforms.example.toml`` is used, whose entries are examples on reserved ``.example`` domains
with no contact addresses. Contact channels are never guessed: a wrong address would send a
victim's notice to a stranger.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from casework.errors import RegistryInvalid
from casework.notices.regimes import Regime

SHIPPED_REGISTRY = Path(__file__).with_name("platforms.example.toml")
CHANNEL_KINDS = ("form", "email", "")


@dataclass(frozen=True)
class Platform:
    """One registry entry."""

    name: str
    domains: tuple[str, ...]
    regime: Regime
    channel: str = ""
    channel_kind: str = ""
    deadline_hours: int | None = None
    example: bool = False
    notes: str = ""

    @property
    def email(self) -> str:
        """The notice address, when notices go by e-mail."""
        return self.channel if self.channel_kind == "email" else ""


@dataclass(frozen=True)
class PlatformRegistry:
    """Entries loaded from one file."""

    platforms: tuple[Platform, ...]
    source: Path

    @classmethod
    def load(cls, path: Path | None = None) -> PlatformRegistry:
        """Read and check a registry file (the shipped examples when path is None)."""
        source = path or SHIPPED_REGISTRY
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise RegistryInvalid(f"{source}: {error}") from None
        platforms = tuple(
            _platform(entry, position, source)
            for position, entry in enumerate(data.get("platforms", []), start=1)
        )
        return cls(platforms=platforms, source=source)

    def lookup(self, host: str) -> Platform | None:
        """The entry whose domain is the host or a parent of it; the longest domain wins."""
        host = host.lower().rstrip(".")
        best: tuple[int, Platform] | None = None
        for platform in self.platforms:
            for domain in platform.domains:
                if host == domain or host.endswith("." + domain):
                    if best is None or len(domain) > best[0]:
                        best = (len(domain), platform)
        return best[1] if best else None


def _platform(entry: object, position: int, source: Path) -> Platform:
    where = f"{source}, platform {position}"
    if not isinstance(entry, dict):
        raise RegistryInvalid(f"{where}: each [[platforms]] entry is a table")
    name = entry.get("name")
    domains = entry.get("domains")
    if not isinstance(name, str) or not name.strip():
        raise RegistryInvalid(f"{where}: name is missing")
    if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
        raise RegistryInvalid(f"{where} ({name}): domains must be a list of host names")
    try:
        regime = Regime(entry.get("regime", Regime.GENERIC.value))
    except ValueError:
        known = ", ".join(r.value for r in Regime)
        raise RegistryInvalid(f"{where} ({name}): regime must be one of {known}") from None
    channel_kind = entry.get("channel_kind", "")
    if channel_kind not in CHANNEL_KINDS:
        raise RegistryInvalid(f"{where} ({name}): channel_kind must be form or email")
    deadline = entry.get("deadline_hours")
    if deadline is not None and (not isinstance(deadline, int) or deadline <= 0):
        raise RegistryInvalid(f"{where} ({name}): deadline_hours must be a positive integer")
    return Platform(
        name=name.strip(),
        domains=tuple(d.lower().rstrip(".") for d in domains),
        regime=regime,
        channel=str(entry.get("channel", "")).strip(),
        channel_kind=channel_kind,
        deadline_hours=deadline,
        example=bool(entry.get("example", False)),
        notes=str(entry.get("notes", "")).strip(),
    )
