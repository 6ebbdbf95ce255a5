"""Letters to platforms: the same words in every regime, every sentence in their catalogue."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from casework.models import Organisation, Takedown, TakedownItem
from casework.notices.notices import LETTERS_DOMAIN, Media, render_letter
from casework.notices.regimes import FIELDS, Regime
from hashing.translations import LOCALES_DIR

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = LOCALES_DIR / f"{LETTERS_DOMAIN}.pot"
PLACEHOLDER = re.compile(r"%\(\w+\)s")
ADDITIONAL = "Copies keep reappearing\nunder new names."
PLATFORM = "Exämple Vids"
ORGANISATION = "Stichting Offlimits"

# What every regime's letter says, for a notice naming images (as before its sentences became
# gettext messages), videos, or both: a change to a letter's words shows here as a change to
# this file.
EXPECTED = Path(__file__).with_name("letters_expected.json")
#: The notice items of a notice naming each kind of media: two images, one video, or both.
ITEMS = {
    Media.IMAGES: [{"match_id": 1}, {"match_id": 2}],
    Media.VIDEOS: [{"video_match_id": 1}],
    Media.IMAGES_AND_VIDEOS: [{"match_id": 1}, {"video_match_id": 1}],
}


def notice(regime: Regime, *, additional: str, media: Media = Media.IMAGES) -> Takedown:
    fields = {name: f"{name} line one\n{name} line two" for name in FIELDS}
    fields["additional"] = additional
    return Takedown(
        items=[TakedownItem(**ids) for ids in ITEMS[media]],
        reference="TD-7Q2K9XW4",
        platform=PLATFORM,
        host="vids.example",
        regime=regime.value,
        fields_json=json.dumps(fields),
        approved_at=datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
    )


def rendered(language: str = "en", catalogues: Path = LOCALES_DIR) -> dict[str, dict[str, str]]:
    organisation = Organisation(name=ORGANISATION, contact_email="notices@example.org")
    letters = {}
    for regime in Regime:
        for media, additional in CASES:
            letter = render_letter(
                notice(regime, additional=additional, media=media),
                organisation=organisation,
                language=language,
                catalogues=catalogues,
            )
            letters[key_of(regime, media, additional)] = {
                "subject": letter.subject,
                "body": letter.body,
            }
    return letters


#: The notices each regime's letter is pinned for: images with and without additional
#: information, and videos only and images and videos with it.
CASES = (
    (Media.IMAGES, ""),
    (Media.IMAGES, ADDITIONAL),
    (Media.VIDEOS, ADDITIONAL),
    (Media.IMAGES_AND_VIDEOS, ADDITIONAL),
)


def key_of(regime: Regime, media: Media, additional: str) -> str:
    kind = "" if media is Media.IMAGES else f"+{media.value}"
    return f"{regime.value}{kind}{'+additional' if additional else ''}"


@pytest.mark.parametrize("regime", list(Regime))
def test_every_regime_renders_the_letters_pinned_for_images_videos_and_both(
    regime: Regime,
) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    letters = rendered()
    for media, additional in CASES:
        key = key_of(regime, media, additional)
        assert letters[key] == expected[key], key


@pytest.mark.parametrize("regime", list(Regime))
def test_a_letter_says_videos_only_when_its_notice_names_a_video(regime: Regime) -> None:
    letters = rendered()
    for media, _ in CASES:
        text = "\n".join(letters[key_of(regime, media, ADDITIONAL)].values())
        # Field values are placeholders here, so every word about media is the letter's own.
        assert ("video" in text) == (media is not Media.IMAGES), (regime, media)
        if media is Media.VIDEOS:
            assert "images" not in text, regime


def template_ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(message.id) for message in read_po(handle) if message.id}


def test_the_letters_template_holds_exactly_the_sentences_the_letters_mark(tmp_path: Path) -> None:
    extracted = tmp_path / "letters.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract"]
        + ["-F", "babel-letters.cfg", "--no-location", "-o", str(extracted), "."],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=120,
    )
    marked, held = template_ids(extracted), template_ids(TEMPLATE)
    assert len(marked) > len(Regime) * 3, "babel-letters.cfg finds the letters' sentences"
    assert sorted(marked - held) == [], "run make translations"
    assert sorted(held - marked) == [], "left over in letters.pot"


def test_the_pages_catalogues_ask_no_translation_of_a_letter_sentence() -> None:
    for po in LOCALES_DIR.glob("*/LC_MESSAGES/takedown.po"):
        assert template_ids(po) & template_ids(TEMPLATE) == set(), po


def test_every_sentence_of_every_letter_comes_from_the_letters_template(tmp_path: Path) -> None:
    # A pseudo-language that writes each sentence of letters.pot in capitals: a sentence a
    # template does not mark, or extraction misses, stays in lower case.
    catalogue = Catalog(locale="en", domain=LETTERS_DOMAIN)
    for message_id in template_ids(TEMPLATE):
        pieces = PLACEHOLDER.split(message_id)
        capitals = [piece.upper() for piece in pieces]
        placeholders = PLACEHOLDER.findall(message_id) + [""]
        catalogue.add(
            message_id, "".join(c + p for c, p in zip(capitals, placeholders, strict=True))
        )
    compiled = tmp_path / "qps" / "LC_MESSAGES" / f"{LETTERS_DOMAIN}.mo"
    compiled.parent.mkdir(parents=True)
    with compiled.open("wb") as handle:
        write_mo(handle, catalogue)
    values = [PLATFORM, ORGANISATION, *ADDITIONAL.splitlines()]
    values += [f"{name} line {n}" for name in FIELDS for n in ("one", "two")]
    for key, letter in rendered("qps", tmp_path).items():
        assert "OUR REFERENCE: TD-7Q2K9XW4" in letter["body"], key
        for part in ("subject", "body"):
            text = letter[part]
            for value in sorted(values, key=len, reverse=True):
                text = text.replace(value, "")
            assert re.findall(r"[a-z]+", text) == [], (key, part, text)


def test_a_letter_asked_for_in_a_language_without_a_reviewed_catalogue_is_english() -> None:
    assert list(LOCALES_DIR.glob(f"*/LC_MESSAGES/{LETTERS_DOMAIN}.*")) == []
    assert rendered("nl") == json.loads(EXPECTED.read_text(encoding="utf-8"))
