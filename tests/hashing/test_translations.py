"""One set of catalogues for every text people read: complete, compiled, true to the glossary."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from hashing import translations
from hashing.translations import (
    DOMAIN,
    LOCALES,
    LOCALES_DIR,
    locale_from_environment,
    negotiate,
)

REPO = Path(__file__).resolve().parents[2]
GLOSSARY = REPO / "docs" / "glossary.md"
TRANSLATED = [locale for locale in LOCALES if locale != "en"]
PLACEHOLDER = re.compile(r"\{\w*(?:![rsa])?(?::[^{}]*)?\}|%(?:\(\w+\))?[sd]")
TAG = re.compile(r"<[^>]+>")
SAFE_LINK = re.compile(r'<a href="https://[^"<>]+" rel="noopener noreferrer">')
# A translator comment that says a glossary word is not meant in its domain sense here, e.g.
# "glossary-exempt: match" above "No case matches this case ID and PIN."
EXEMPT = re.compile(r"glossary-exempt:\s*(.+)")


def po_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue(locale: str) -> Catalog:
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def entries(locale: str) -> list[Message]:
    return [message for message in catalogue(locale) if message.id]


def markup(text: str) -> list[str]:
    """The tags of a text other than links, in order."""
    return [tag for tag in TAG.findall(text) if not re.match(r"</?a\b", tag)]


def forms(message: Message) -> tuple[list[str], list[str]]:
    """The English forms and the translated forms of an entry."""
    english = list(message.id) if isinstance(message.id, tuple) else [message.id]
    translated = (
        list(message.string) if isinstance(message.string, tuple) else [message.string or ""]
    )
    return english, translated


@dataclass(frozen=True)
class Term:
    english: tuple[str, ...]
    dutch: tuple[str, ...]
    never: tuple[str, ...]

    def in_english(self, text: str) -> bool:
        # A placeholder's name ("{fingerprints}") is not a word anyone reads: what fills it is a
        # message of its own, held to the glossary by itself.
        return any(
            re.search(rf"(?<![\w{{-]){re.escape(form)}(?![\w}}-])", text, re.IGNORECASE)
            for form in self.english
        )


def _words(cell: str) -> tuple[str, ...]:
    """'case (cases)' -> ('case', 'cases'); 'melding, dossier' -> both."""
    return tuple(w.strip().lower() for w in re.split(r"[(),]", cell) if w.strip())


def glossary() -> list[Term]:
    """The terms of docs/glossary.md's table: English | Dutch | never in Dutch | meaning."""
    terms = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip().strip("*") for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("English", "") or set(cells[0]) <= {"-", ":"}:
            continue
        terms.append(Term(_words(cells[0]), _words(cells[1]), _words(cells[2])))
    return terms


def extracted_ids(tmp_path: Path) -> set[str | tuple[str, ...]]:
    """Every message the code and templates mark, as `make translations` extracts them."""
    template = tmp_path / "extracted.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract"]
        + ["-F", "babel.cfg", "-k", "N_plural:1,2", "--no-location", "-o", str(template), "."],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with template.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_the_catalogues_hold_exactly_the_messages_the_code_marks(tmp_path: Path) -> None:
    marked = extracted_ids(tmp_path)
    assert marked, "babel.cfg finds no marked message"
    for locale in TRANSLATED:
        held = {message.id for message in entries(locale)}
        assert sorted(map(str, marked - held)) == [], f"run make translations ({locale})"
        assert sorted(map(str, held - marked)) == [], f"left over in {locale}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(locale: str) -> None:
    plurals = catalogue(locale).num_plurals
    untranslated = [
        message.id
        for message in entries(locale)
        if message.fuzzy
        or not all(forms(message)[1])
        or (isinstance(message.id, tuple) and len(forms(message)[1]) != plurals)
    ]
    assert untranslated == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_passes_the_checks_make_translations_compiles_with(locale: str) -> None:
    # pybabel compile runs these checkers and exits 1 on any error, which stops
    # make translations before letters.pot is extracted.
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in catalogue(locale).check()
    ]
    assert problems == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_language_has_a_form_for_one_and_one_for_other_counts_as_the_pages_assume(
    locale: str,
) -> None:
    # service/web/texts.py SCRIPT_COUNTS: the page picks the first form where Intl.PluralRules
    # says "one" and the second otherwise, which is right only for this rule.
    assert catalogue(locale).plural_forms == "nplurals=2; plural=(n != 1);"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_the_placeholders_and_markup_of_the_english(locale: str) -> None:
    for message in entries(locale):
        english, translated = forms(message)
        wanted = sorted(PLACEHOLDER.findall(english[-1]))
        for text in translated:
            got = sorted(PLACEHOLDER.findall(text))
            # A singular may say "1" or "één" instead of its count; every other form keeps all.
            singular = len(english) == 2 and text is translated[0]
            assert got == wanted or (singular and set(got) < set(wanted)), message.id
            assert markup(text) == markup(english[0]), message.id
            assert set(TAG.findall(english[0])) <= set(TAG.findall(text)), message.id
            # A language may add a link to a local organisation, and nothing else.
            for added in set(TAG.findall(text)) - set(TAG.findall(english[0])) - {"</a>"}:
                assert SAFE_LINK.fullmatch(added), (message.id, added)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_compiled_catalogue_is_what_the_po_file_compiles_to(locale: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(locale))
    shipped = po_path(locale).with_suffix(".mo")
    assert shipped.read_bytes() == compiled.getvalue(), "run make translations"


def test_the_glossary_names_the_domain_words_in_both_languages() -> None:
    terms = {term.english[0]: term for term in glossary()}
    assert terms["case"].dutch[0] == "zaak"
    assert terms["report"].dutch[0] == "melding"
    assert terms["notice"].dutch[0] == "verwijderverzoek"
    assert terms["fingerprint"].dutch[0] == "vingerafdruk"
    assert "melding" in terms["notice"].never and "melding" in terms["case"].never


def test_dutch_uses_the_glossary_words_for_the_domain_words() -> None:
    terms = glossary()
    wrong = []
    for message in entries("nl"):
        english, translated = forms(message)
        exempt = {
            word.strip().lower()
            for comment in message.user_comments
            if (found := EXEMPT.search(comment))
            for word in found.group(1).split(",")
        }
        meant = [term for term in terms if any(term.in_english(text) for text in english)]
        # A word another meant term asks for is never wrong ("melding" in a case's report).
        allowed = {form for term in meant for form in term.dutch}
        for text in (t.lower() for t in translated):
            for term in meant:
                banned = [w for w in term.never if w in text and not any(w in a for a in allowed)]
                if banned:
                    wrong.append(f"{english[0]!r}: {banned} for {term.english[0]!r}")
                if term.english[0] not in exempt and not any(form in text for form in term.dutch):
                    wrong.append(f"{english[0]!r}: no {term.dutch[0]!r} for {term.english[0]!r}")
    assert wrong == [], "\n".join(wrong)


def test_a_page_or_console_visitor_gets_the_language_their_browser_prefers() -> None:
    assert negotiate("nl-NL,nl;q=0.9,en;q=0.8") == "nl"
    assert negotiate("de-DE, en;q=0.5, nl;q=0.7") == "nl"
    assert negotiate("nl;q=0, en") == "en"
    assert negotiate("fr, de") == negotiate("") == negotiate("nl;q=x") == "en"


def test_a_terminal_speaks_the_language_its_locale_variables_name() -> None:
    assert locale_from_environment({"LANG": "nl_NL.UTF-8"}) == "nl"
    assert locale_from_environment({"LC_ALL": "C.UTF-8", "LANG": "nl_NL.UTF-8"}) == "en"
    assert locale_from_environment({"LC_MESSAGES": "nl_BE@euro", "LANG": "C"}) == "nl"
    assert locale_from_environment({"LANGUAGE": "fr:nl", "LANG": "en_GB.UTF-8"}) == "nl"
    assert locale_from_environment({"LANG": ""}) == locale_from_environment({}) == "en"


def test_the_runtime_reads_the_shipped_catalogue_with_the_standard_library_only() -> None:
    code = (
        "import json, sys; from hashing import translations as t; t.activate('nl'); "
        "print(json.dumps([t.gettext(sys.argv[1]), "
        "sorted(m for m in ('babel', 'jinja2', 'fastapi') if m in sys.modules)]))"
    )
    message = next(m for m in entries("nl") if isinstance(m.id, str))
    result = subprocess.run(
        [sys.executable, "-c", code, message.id],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == json.dumps([message.string, []])


def test_an_unknown_language_falls_back_to_english() -> None:
    assert translations.translation("fr").gettext("Case ID") == "Case ID"
    assert translations.translation("nl").gettext("no such message") == "no such message"
