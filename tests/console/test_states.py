"""Every state and reason code the console can show has words, in English and in Dutch."""

from __future__ import annotations

from casework.models import CaseStatus, CheckOutcome, ItemStatus, MatchStatus, TakedownStatus
from casework.notices.rechecks import judge
from casework.reports.reports import ReporterKind
from casework.reports.reviews import RejectReason
from hashing.translations import translation
from service.console.states import REASON_WORDS, STATE_WORDS, reason, state
from workers.fetcher import Reason
from workers.reports import IMAGE_REASONS

STATES = {
    code.value
    for kind in (
        CaseStatus,
        MatchStatus,
        TakedownStatus,
        ItemStatus,
        CheckOutcome,
        ReporterKind,
        RejectReason,
    )
    for code in kind
}
#: Reasons the fetcher, the image decoder, the report reconciler and the removal check record.
REASONS = (
    {code.value for code in Reason}
    | set(IMAGE_REASONS.values())
    | {"worker_crashed"}
    | {judge(url="u", http_status=200, headers={}, images_seen=0, found=[], case_id=1).reason}
    | {
        judge(
            url="u", http_status=200, headers={}, images_seen=1, found=[], case_id=1, videos_seen=1
        ).reason
    }
)


def test_every_state_code_has_words_in_english_and_dutch() -> None:
    missing = sorted(code for code in STATES if code not in STATE_WORDS)
    assert missing == []
    untranslated = sorted(
        code for code in STATES if translation("nl").gettext(state(code)) == state(code)
    )
    assert untranslated == []


def test_every_reason_code_has_words_in_english_and_dutch() -> None:
    missing = sorted(code for code in REASONS if code not in REASON_WORDS)
    assert missing == []
    untranslated = sorted(
        code for code in REASONS if translation("nl").gettext(reason(code)) == reason(code)
    )
    assert untranslated == []


def test_words_are_not_codes() -> None:
    for code, words in (STATE_WORDS | REASON_WORDS).items():
        assert "_" not in words, code
