"""The platform registry: shipped entries are examples without contacts; lookups by domain."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.errors import RegistryInvalid
from casework.notices.regimes import Regime
from casework.notices.registry import PlatformRegistry


def test_shipped_entries_are_marked_as_examples_and_invent_no_contact() -> None:
    registry = PlatformRegistry.load()
    assert registry.platforms
    for platform in registry.platforms:
        assert platform.example, platform.name
        assert platform.channel == "", platform.name
        assert all(domain.endswith(".example") for domain in platform.domains), platform.name


def test_a_host_matches_its_domain_and_the_longest_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "platforms.toml"
    path.write_text(
        '[[platforms]]\nname = "Host"\ndomains = ["host.example"]\nregime = "generic"\n'
        '[[platforms]]\nname = "Videos"\ndomains = ["videos.host.example"]\n'
        'regime = "take_it_down"\ndeadline_hours = 48\n'
    )
    registry = PlatformRegistry.load(path)
    assert registry.lookup("cdn.videos.host.example").name == "Videos"  # type: ignore[union-attr]
    assert registry.lookup("HOST.example.").name == "Host"  # type: ignore[union-attr]
    assert registry.lookup("nothost.example") is None
    assert registry.lookup("videos.host.example").regime is Regime.TAKE_IT_DOWN  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('domains = ["a.example"]', "name is missing"),
        ('name = "A"\ndomains = "a.example"', "domains must be a list"),
        ('name = "A"\ndomains = ["a.example"]\nregime = "gdpr"', "regime must be one of"),
        ('name = "A"\ndomains = ["a.example"]\ndeadline_hours = 0', "positive integer"),
    ],
)
def test_a_broken_entry_is_refused_with_its_position_and_problem(
    tmp_path: Path, entry: str, problem: str
) -> None:
    path = tmp_path / "platforms.toml"
    path.write_text(f"[[platforms]]\n{entry}\n")
    with pytest.raises(RegistryInvalid, match=problem):
        PlatformRegistry.load(path)
