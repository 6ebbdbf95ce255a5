"""Letters to platforms: the same words in every regime, every sentence in their catalogue."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.models import Organisation, Takedown
from casework.notices import render_letter
from casework.regimes import FIELDS, Regime

# What every regime's letter said before its sentences became gettext messages, rendered by the
# code of that time: a change to a letter's words shows here as a change to this file.
EXPECTED = Path(__file__).with_name("letters_expected.json")


def notice(regime: Regime, *, additional: str) -> Takedown:
    fields = {name: f"{name} line one\n{name} line two" for name in FIELDS}
    fields["additional"] = additional
    return Takedown(
        reference="TD-7Q2K9XW4",
        platform="Exämple Vids",
        host="vids.example",
        regime=regime.value,
        fields_json=json.dumps(fields),
        approved_at=datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
    )


def rendered() -> dict[str, dict[str, str]]:
    organisation = Organisation(name="Stichting Offlimits", contact_email="notices@example.org")
    letters = {}
    for regime in Regime:
        for additional in ("", "Copies keep reappearing\nunder new names."):
            letter = render_letter(notice(regime, additional=additional), organisation=organisation)
            key = f"{regime.value}{'+additional' if additional else ''}"
            letters[key] = {"subject": letter.subject, "body": letter.body}
    return letters


@pytest.mark.parametrize("regime", list(Regime))
def test_every_regime_renders_the_letter_it_rendered_before_translation(regime: Regime) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    letters = rendered()
    for key in (regime.value, f"{regime.value}+additional"):
        assert letters[key] == expected[key], key
