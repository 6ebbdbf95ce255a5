"""Words for the state and reason codes the console shows, so a page never prints a code.

Templates call ``state(code)`` and translate the result with ``_()``; a code without words is
shown as it is, and tests/console/test_states.py fails for every known code that has none.
"""

from __future__ import annotations

from hashing.translations import N_

STATE_WORDS = {
    # Cases
    "active": N_("active"),
    "withdrawn": N_("withdrawn"),
    # Matches
    "pending": N_("awaiting review"),
    "confirmed": N_("confirmed"),
    "rejected": N_("rejected"),
    # Notices
    "draft": N_("draft"),
    "approved": N_("approved"),
    "sent": N_("sent"),
    "acknowledged": N_("acknowledged"),
    "removed": N_("removed"),
    "refused": N_("refused"),
    "no_response": N_("no response"),
    # Reported URLs
    "queued": N_("queued"),
    "fetching": N_("being fetched"),
    "retrying": N_("waiting to retry"),
    "done": N_("checked"),
    "failed": N_("failed"),
    # Checks of a notice's URLs
    "still_there": N_("found: still online"),
    "gone": N_("gone"),
    "error": N_("failed"),
    # Reporters
    "victim": N_("the victim"),
    "flagger": N_("a trusted flagger"),
    "caseworker": N_("a caseworker"),
    # Why a match was rejected
    "different_image": N_("a different image"),
    "common_image": N_("a common or stock image"),
    "not_intimate": N_("not an intimate image of this person"),
    "other": N_("another reason"),
}

REASON_WORDS = {
    "invalid_url": N_("not a valid web address"),
    "unsupported_scheme": N_("not an http or https address"),
    "blocked_address": N_("the address is private or reserved, so it is never fetched"),
    "blocked_port": N_("a port other than 80 or 443, so it is never fetched"),
    "dns_error": N_("the site's name does not exist"),
    "dns_timeout": N_("the site's name could not be looked up in time"),
    "connect_error": N_("the site could not be reached"),
    "timeout": N_("the site took too long to answer"),
    "too_large": N_("the answer was too large"),
    "too_many_redirects": N_("too many redirects"),
    "http_error": N_("the site answered with an error"),
    "not_an_image": N_("no image was found there"),
    "not_a_video": N_("no video was found there"),
    "unsupported_content": N_("the content is of a kind that is not checked"),
    "unsupported_encoding": N_("the content's encoding is not supported"),
    "image_too_large": N_("the image was too large to check"),
    "image_too_small": N_("the image was too small to check"),
    "decode_error": N_("the image could not be read"),
    "worker_crashed": N_("checking it failed every time"),
    "no_matching_image": N_("the page no longer shows a matching image or video"),
    "matching_video": N_("a video matching the case's video is still there"),
    "no_matching_video": N_("no video there matches the case's video any more"),
}


def state(code: str | None) -> str:
    """The English words for a state code (the code itself when it has none)."""
    if code is None:
        return ""
    return STATE_WORDS.get(code, code)


def reason(code: str | None) -> str:
    """The English words for a reason code (the code itself when it has none)."""
    if code is None:
        return ""
    return REASON_WORDS.get(code, code)
