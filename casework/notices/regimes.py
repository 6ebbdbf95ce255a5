"""The legal regimes a notice can be sent under, and the fields each one requires.

Sources: ../shared/reference/takedown-law.md (US TAKE IT DOWN Act Sec. 3(a)(1)(B); EU DSA Art.
16(2); UK Online Safety Act intimate image content report; DMCA 17 U.S.C. 512(c)(3)(A)). The
generic regime is for hosts no law gives a format to (a hosting provider, a registrar).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hashing.translations import N_


class Regime(StrEnum):
    """Notice formats; the value names the letter templates in casework/notices/letters/."""

    TAKE_IT_DOWN = "take_it_down"
    DSA = "dsa_art16"
    UK = "uk_intimate_image"
    DMCA = "dmca"
    GENERIC = "generic"


@dataclass(frozen=True)
class Field:
    """One field of a notice: its key in Takedown.fields_json and its label for people."""

    name: str
    label: str
    multiline: bool = False


FIELDS = {
    field.name: field
    for field in (
        Field("locations", N_("Exact location of the content (URLs)"), multiline=True),
        Field("signature", N_("Signature")),
        Field("contact", N_("Contact information"), multiline=True),
        Field("notifier_name", N_("Name of the notifier")),
        Field("notifier_email", N_("E-mail address of the notifier")),
        Field("good_faith", N_("Statement of good-faith belief"), multiline=True),
        Field("explanation", N_("Explanation of why the content is illegal"), multiline=True),
        Field("accuracy", N_("Statement that the notice is accurate and complete"), multiline=True),
        Field("declaration_intimate", N_("Declaration that this is intimate image content")),
        Field("declaration_behalf", N_("Declaration that the report is made for the person shown")),
        Field("declaration_truth", N_("Declaration of good faith and truth"), multiline=True),
        Field("copyrighted_work", N_("Identification of the copyrighted work"), multiline=True),
        Field("perjury", N_("Statement under penalty of perjury"), multiline=True),
        Field("additional", N_("Additional information (optional)"), multiline=True),
    )
}


@dataclass(frozen=True)
class RegimeSpec:
    """What one regime requires and what it promises."""

    regime: Regime
    title: str
    citation: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ("additional",)
    #: Hours the platform has after receipt, when the law sets a limit.
    deadline_hours: int | None = None
    #: Shown before a caseworker chooses this regime.
    warning: str = ""

    @property
    def fields(self) -> tuple[Field, ...]:
        """Every field of the notice, required ones first."""
        return tuple(FIELDS[name] for name in self.required + self.optional)


SPECS: dict[Regime, RegimeSpec] = {
    Regime.TAKE_IT_DOWN: RegimeSpec(
        Regime.TAKE_IT_DOWN,
        N_("US TAKE IT DOWN Act removal request"),
        "TAKE IT DOWN Act, Sec. 3(a)(1)(B) (Pub. L. 119-12)",
        ("signature", "locations", "good_faith", "contact"),
        deadline_hours=48,
    ),
    Regime.DSA: RegimeSpec(
        Regime.DSA,
        N_("EU Digital Services Act notice"),
        "Regulation (EU) 2022/2065 (Digital Services Act), Art. 16(2)",
        ("explanation", "locations", "notifier_name", "notifier_email", "accuracy"),
    ),
    Regime.UK: RegimeSpec(
        Regime.UK,
        N_("UK intimate image content report"),
        "Online Safety Act 2023, intimate image content report (s.20A)",
        (
            "declaration_intimate",
            "declaration_behalf",
            "declaration_truth",
            "locations",
            "contact",
        ),
        deadline_hours=48,
    ),
    Regime.DMCA: RegimeSpec(
        Regime.DMCA,
        N_("DMCA notice of claimed infringement"),
        "17 U.S.C. 512(c)(3)(A) (DMCA)",
        ("signature", "copyrighted_work", "locations", "contact", "good_faith", "perjury"),
        warning=N_(
            "A DMCA notice may expose the requester: platforms often forward it to the uploader "
            "and may publish it (for example on Lumen), the uploader can counter-notify and "
            "have the content restored, and false statements carry liability. Prefer the TAKE "
            "IT DOWN Act or the platform's intimate-image form; use DMCA only when the person "
            "owns the copyright and only with the organisation as the named agent."
        ),
    ),
    Regime.GENERIC: RegimeSpec(
        Regime.GENERIC,
        N_("Notice of non-consensual intimate imagery"),
        "No statutory format: a notice to a host, registrar or other intermediary",
        ("locations", "explanation", "contact", "signature"),
    ),
}


def spec(regime: Regime | str) -> RegimeSpec:
    """The specification of a regime, by enum or by its stored value."""
    return SPECS[Regime(regime)]


def missing_fields(regime: Regime | str, fields: dict[str, str]) -> list[str]:
    """Labels of the required fields that are empty, in the regime's order."""
    return [
        FIELDS[name].label for name in spec(regime).required if not fields.get(name, "").strip()
    ]
