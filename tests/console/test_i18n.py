"""Every text the console shows has a Dutch translation."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from casework.errors import (
    AdultRouteBlocked,
    CredentialChecksBusy,
    LoginFailed,
    RequestForgery,
)
from casework.regimes import FIELDS, SPECS
from service.console.dutch import DUTCH

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_TEXT = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def marked_texts() -> set[str]:
    """Texts in _("...") in console templates, and in N_("...") in console modules."""
    texts: set[str] = set()
    for template in (REPO / "service/templates/console").glob("*.html"):
        for double, single in TEMPLATE_TEXT.findall(template.read_text()):
            texts.add((double or single).replace('\\"', '"'))
    for module in (REPO / "service/console").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "N_"
                and isinstance(node.args[0], ast.Constant)
            ):
                texts.add(node.args[0].value)
    return texts


def shown_domain_texts() -> set[str]:
    """Texts from casework that the console shows: regimes, fields, roles, errors.

    States and reason codes are shown as words (service/console/states.py, tests/console/
    test_states.py).
    """
    texts = {spec.title for spec in SPECS.values()} | {spec.warning for spec in SPECS.values()}
    texts |= {field.label for field in FIELDS.values()}
    texts |= {"caseworker", "admin"}
    texts |= {str(LoginFailed()), str(RequestForgery()), str(AdultRouteBlocked())}
    texts.add(str(CredentialChecksBusy()))
    return texts - {""}


def test_every_console_text_has_a_dutch_translation() -> None:
    texts = marked_texts() | shown_domain_texts()
    assert len(texts) > 150
    missing = sorted(texts - set(DUTCH))
    assert missing == [], "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    for english, dutch in DUTCH.items():
        assert re.findall(r"{\w+}", english) == re.findall(r"{\w+}", dutch), english


def test_no_translation_is_left_over() -> None:
    assert set(DUTCH) - (marked_texts() | shown_domain_texts()) == set()
