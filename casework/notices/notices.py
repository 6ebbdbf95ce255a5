"""Letters from takedown notices: rendered from notices/letters/, exported as text, .eml, PDF.

Letters are ``<regime>-subject.txt.j2`` and ``<regime>-body.txt.j2`` rendered with
StrictUndefined, so a field a template expects and the notice lacks fails loudly instead of
printing nothing. They are in English: the platforms' notice teams read it. Their sentences are
gettext messages of their own catalogue domain, ``letters`` (template
hashing/locales/letters.pot, extracted with babel-letters.cfg by ``make translations``), kept
apart from the pages' catalogue because a letter in another language is legal text that needs a
lawyer's review first: no language has one yet (docs/glossary.md).
"""

from __future__ import annotations

import gettext
import json
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from casework.db import utcnow
from casework.desk.models import Organisation
from casework.notices.models import Takedown
from casework.notices.regimes import FIELDS, spec
from hashing.deferred_imports import deferred
from hashing.translations import DEFAULT_LOCALE, LOCALES_DIR

if TYPE_CHECKING:
    from casework.notices import letter_pdf
else:
    letter_pdf = deferred("casework.notices.letter_pdf")

LETTERS = Path(__file__).with_name("letters")
#: The gettext domain of the letters' sentences, apart from the pages' ``takedown``.
LETTERS_DOMAIN = "letters"
#: A Unicode TrueType font for PDFs when the system has one (Debian: fonts-dejavu-core); without
#: it, text falls back to the PDF core font, which only covers Latin-1.
UNICODE_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
PDF_FONT_SIZE = 10.5
PDF_LINE_MM = 5.2


@cache
def _environment(language: str, catalogues: Path) -> Environment:
    """Templates that speak ``language``: English, or a letters catalogue in ``catalogues``."""
    environment = Environment(
        loader=FileSystemLoader(LETTERS),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - plain-text letters; nothing here is HTML
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    translations = (
        gettext.NullTranslations()
        if language == DEFAULT_LOCALE
        # A language without a reviewed letters catalogue writes the English letter.
        else gettext.translation(LETTERS_DOMAIN, catalogues, [language], fallback=True)
    )
    # The i18n extension adds this method when it is loaded; Jinja2's types do not know it.
    environment.install_gettext_translations(translations, newstyle=False)  # type: ignore[attr-defined]
    return environment


class Media(StrEnum):
    """What a notice names, so that its letter says images, videos, or both."""

    IMAGES = "images"
    VIDEOS = "videos"
    IMAGES_AND_VIDEOS = "images_and_videos"

    @classmethod
    def named(cls, *, images: bool, videos: bool) -> Media:
        """The media of a notice naming images and/or videos (images when it names neither)."""
        if videos:
            return cls.IMAGES_AND_VIDEOS if images else cls.VIDEOS
        return cls.IMAGES


def media_of(takedown: Takedown) -> Media:
    """What the notice's items are: image matches, video matches, or both."""
    videos = [item.video_match_id is not None for item in takedown.items]
    return Media.named(images=not all(videos), videos=any(videos))


@dataclass(frozen=True)
class Letter:
    """A rendered notice."""

    subject: str
    body: str


def notice_fields(takedown: Takedown) -> dict[str, str]:
    """Every field of the notice (missing keys read as empty)."""
    stored: dict[str, str] = json.loads(takedown.fields_json)
    return {name: str(stored.get(name, "")) for name in FIELDS}


def render_letter(
    takedown: Takedown,
    *,
    organisation: Organisation,
    language: str = DEFAULT_LOCALE,
    catalogues: Path = LOCALES_DIR,
) -> Letter:
    """The letter for the notice as it stands, in ``language`` when its catalogue has it."""
    context = {
        "fields": notice_fields(takedown),
        "platform": takedown.platform,
        "host": takedown.host,
        "reference": takedown.reference,
        "organisation": organisation.name,
        # Dated at approval, so every export of an approved notice is the same letter.
        "date": (takedown.approved_at or utcnow()).date().isoformat(),
        "regime": spec(takedown.regime),
        "media": media_of(takedown).value,
    }
    environment = _environment(language, catalogues)
    subject = environment.get_template(f"{takedown.regime}-subject.txt.j2").render(context)
    body = environment.get_template(f"{takedown.regime}-body.txt.j2").render(context)
    return Letter(subject=" ".join(subject.split()), body=_tidy(body))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    tidied: list[str] = []
    for line in lines:
        if not line and tidied and not tidied[-1]:
            continue
        tidied.append(line)
    return "\n".join(tidied).strip() + "\n"


def notice_address(takedown: Takedown) -> str:
    """The platform's notice e-mail address, when its registry channel is one."""
    channel = takedown.channel.strip()
    return channel if "@" in channel and "://" not in channel and " " not in channel else ""


def to_text(letter: Letter) -> str:
    """The letter as plain text: subject line, blank line, body."""
    return f"Subject: {letter.subject}\n\n{letter.body}"


def to_eml(letter: Letter, *, takedown: Takedown, organisation: Organisation) -> bytes:
    """An RFC 5322 message a caseworker opens in their mail program and sends from there."""
    message = EmailMessage()
    sender = organisation.contact_email or "notices@invalid"
    local, _, domain = sender.partition("@")
    # A line break in a header would end it (the export failed): the name goes on one line.
    message["From"] = Address(" ".join(organisation.name.split()), local, domain)
    if notice_address(takedown):
        message["To"] = notice_address(takedown)
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(idstring=takedown.reference, domain=domain or "invalid")
    # Mail programs open a message with this header as a draft to review and send.
    message["X-Unsent"] = "1"
    message.set_content(letter.body)
    return message.as_bytes()


def to_pdf(letter: Letter, *, takedown: Takedown) -> bytes:
    """The letter as an A4 PDF, for forms that take an upload and for the case file."""
    pdf = letter_pdf.LetterPdf(takedown.reference)
    pdf.set_title(letter.subject)
    pdf.set_creator("takedown")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    font = next((path for path in UNICODE_FONTS if path.exists()), None)
    subject, body = letter.subject, letter.body
    if font is not None:
        pdf.add_font("Letter", fname=str(font))
        pdf.letter_font = "Letter"
    else:
        subject = subject.encode("latin-1", "replace").decode("latin-1")
        body = body.encode("latin-1", "replace").decode("latin-1")
    pdf.add_page()
    pdf.set_font(pdf.letter_font, size=PDF_FONT_SIZE + 1.5)
    pdf.multi_cell(0, PDF_LINE_MM + 1, subject, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(pdf.letter_font, size=PDF_FONT_SIZE)
    pdf.multi_cell(0, PDF_LINE_MM, body, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
