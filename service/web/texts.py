"""Texts of the victim pages that are not in a template: what their scripts show, support links.

The scripts (service/static/victim/) get ``SCRIPT_MESSAGES`` translated, and ``SCRIPT_COUNTS``
in the forms for one and for more, as JSON embedded in the page, and fill in their ``{name}``
placeholders themselves; the templates hold every other text as ``_("...")``. A number is never
followed by words in a message of ``SCRIPT_MESSAGES``: a sentence with one number is a counted
message, and one with two takes each number with its words as a counted piece ("{files}").
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.reports.progress import OTHER_REASON, REASONS, SENTENCES
from casework.victims.timeline import SENTENCES as TIMELINE_SENTENCES
from hashing.translations import N_, CountedMessage, N_plural


@dataclass(frozen=True, slots=True)
class SupportLink:
    """An organisation that helps, with the words to say what it does."""

    name: str
    url: str
    about: str


SUPPORT = (
    SupportLink(
        "StopNCII.org",
        "https://stopncii.org",
        N_("Worldwide: stops intimate images from being shared on the platforms that take part."),
    ),
    SupportLink(
        "Revenge Porn Helpline",
        "https://revengepornhelpline.org.uk",
        N_("United Kingdom: advice and help with getting images removed."),
    ),
    SupportLink(
        "Helpwanted.nl",
        "https://www.helpwanted.nl",
        N_("The Netherlands: advice and help when images of you are online."),
    ),
    SupportLink(
        "Take It Down (NCMEC)",
        "https://takeitdown.ncmec.org",
        N_("For images taken when you were under 18."),
    ),
)

SCRIPT_MESSAGES = {
    "progress": N_("Making fingerprints: {done} of {total}"),
    # {files} and {fingerprints}: the counted pieces "files" and "fingerprints".
    "progress_done": N_("Done: {files}, {fingerprints} ready to send."),
    "waiting": N_("Waiting"),
    "working": N_("Making fingerprints…"),
    "stage_digests": N_("Making exact-copy fingerprints…"),
    "stage_decode": N_("Reading the image…"),
    "stage_pdq": N_("Making the PDQ similarity fingerprint…"),
    "stage_phash": N_("Making the pHash similarity fingerprint…"),
    "stage_trimmed": N_("Making fingerprints of the image without its borders…"),
    "stage_crops": N_("Making fingerprints of crops of the image…"),
    "stage_video": N_("Reading the video…"),
    "video_unplayable": N_(
        "this browser cannot play this video, so only exact copies of this file are protected. "
        "The takedown program for your computer reads videos with its own decoder (FFmpeg): "
        "takedown submit VIDEOS."
    ),
    "video_no_picture": N_("the file holds no picture this browser can show."),
    "video_too_long": N_("the video is longer than {hours} hours, the most that is fingerprinted."),
    "video_too_large": N_("the video's frames have more pixels than 4K video (3840 × 2160)."),
    "video_too_small": N_("the video is smaller than {min} pixels on a side."),
    "video_flat": N_("the video has too little detail for similarity fingerprints."),
    "ready": N_("Fingerprints ready"),
    "quality": N_("detail score {quality} of 100"),
    "exact_only": N_("Only exact-copy fingerprints:"),
    "no_pdq": N_(
        "the image has too little detail for a PDQ fingerprint; the pHash fingerprint can still "
        "recognise copies."
    ),
    "not_image": N_("this is not an image or a video this browser can read."),
    "heic": N_(
        "this browser cannot read HEIC photos, so only exact copies of this file are protected. "
        "The takedown program for your computer reads HEIC and makes its full fingerprints: "
        "takedown submit PHOTOS."
    ),
    "low_quality": N_("the image has too little detail for a similarity fingerprint."),
    "too_small": N_("the image is smaller than {min} pixels on a side."),
    "too_many_pixels": N_("the image has more than {max} million pixels."),
    "flat": N_("the image is nearly blank."),
    "too_big": N_("This file is larger than {mb} MB and cannot be fingerprinted in a browser."),
    "empty": N_("This file is empty: there is nothing to fingerprint."),
    "read_error": N_("This file could not be read."),
    "alg_pdq": N_("Similarity (PDQ)"),
    "alg_pdq_trimmed": N_("Similarity without borders (PDQ)"),
    "alg_md5": N_("Exact copy (MD5)"),
    "alg_sha256": N_("Exact copy (SHA-256)"),
    "alg_phash": N_("Similarity (pHash)"),
    "alg_phash_trimmed": N_("Similarity without borders (pHash)"),
    # {fingerprints} and {crops}: the counted pieces "similarity_fingerprints" and "crops".
    "crops_hashed": N_(
        "Also made, to help recognise a cropped copy: {fingerprints} of {crops} of the image."
    ),
    "nothing_to_send": N_("Choose images first: there are no fingerprints to send yet."),
    "sending": N_("Sending fingerprints…"),
    "copied": N_("Copied."),
    "copy_failed": N_("Copying did not work. Select the case ID and PIN and copy them yourself."),
    "need_credentials": N_("Enter your case ID and PIN."),
    "need_confirm": N_("Tick the box to confirm first."),
    "checking": N_("Checking…"),
    # {fingerprints} and {held}: the counted pieces "fingerprints" and "already_held".
    "added": N_("Done: {fingerprints} added to your case ({held})."),
    "withdrawn": N_(
        "Your case is withdrawn: the fingerprints of all its photos and videos were deleted "
        "(photos: {photos}, videos: {videos})."
    ),
    "withdrawn_ungrouped": N_(
        "Also deleted: fingerprints sent without saying which photo they are of: {count}."
    ),
    "status_active": N_("Active: we are looking for your images."),
    "status_withdrawn": N_("Withdrawn: the fingerprints were deleted."),
    "none": N_("none"),
    "err_case_not_found": N_(
        "No case matches this case ID and PIN, or the case is paused after too many wrong PINs. "
        "Check both; if it is paused, try again after {time}."
    ),
    "err_recover_refused": N_(
        "No case matches this case ID and recovery code, or the case is paused after too many "
        "wrong tries. Check both (each code works only once); if it is paused, try again after "
        "{time}."
    ),
    "codes_left": N_("That recovery code is now used up; {count} left."),
    "codes_copy_failed": N_("Copying did not work. Select the codes and copy them yourself."),
    "need_recovery": N_("Enter your case ID and a recovery code."),
    "codes_file": N_(
        "Recovery codes for takedown case {case_id}. Each sets a new PIN once, at {url}. Keep "
        "them apart from the PIN."
    ),
    "err_case_withdrawn": N_(
        "This case was withdrawn, so nothing can be added to it. You can open a new case."
    ),
    "err_invalid_fingerprints": N_("The service refused some fingerprints:"),
    "err_too_many": N_("Too many fingerprints for one case. Choose fewer images."),
    "err_rate_limited": N_("Too many tries from this connection. Wait a minute, then try again."),
    "err_unavailable": N_("The service is busy or down for a moment. Please try again shortly."),
    "err_network": N_("The service could not be reached. Check your connection and try again."),
    "err_other": N_("Something went wrong: {message}"),
    "file_item": N_("file {n}"),
    # The case's timeline: casework's own sentences, so the pages say what the API says (those
    # with a number are in SCRIPT_COUNTS).
    **{
        f"tl_{key}": sentence
        for key, sentence in TIMELINE_SENTENCES.items()
        if isinstance(sentence, str)
    },
    "notify_state_off": N_("Notes are off."),
    "notify_state_email": N_("Notes go by e-mail to {address}."),
    "notify_state_webhook": N_("Notes go to the webhook at {address}."),
    "notify_failing": N_("The last note could not be delivered. Check the address."),
    "notify_need_address": N_("Enter the e-mail address or web address first."),
    "notify_saved": N_("Saved."),
    "report_need_urls": N_("Enter at least one web address."),
    "report_bad_lines": N_(
        "These lines are not web addresses starting with https:// or http://: {lines}."
    ),
    "report_refused": N_("The service cannot check some addresses:"),
    "report_line": N_("line {n}"),
    "report_sending": N_("Sending the addresses…"),
    "report_sent": N_("Sent. This list updates by itself until every address is checked."),
    "report_all_done": N_("Every address has been checked."),
    "report_stalled": N_(
        "Checking takes longer than usual. Check your case again later to see the results."
    ),
    # A reported URL's progress: casework's own sentences, so the pages say what the API says.
    **{f"rp_{key}": sentence for key, sentence in SENTENCES.items() if isinstance(sentence, str)},
    **{f"why_{reason}": why for reason, why in REASONS.items()},
    "why_other": OTHER_REASON,
}

#: The page picks the form with Intl.PluralRules: "one" takes the first, every other category the
#: second, which is gettext's rule for every shipped language ("nplurals=2; plural=(n != 1)";
#: tests/hashing/test_translations.py holds the catalogues to it). A number whose words a
#: message cannot hold in one form (a second number in it) is a piece of its own, filled in
#: first: each number then takes its own form, as the CLI's ``counted`` does.
SCRIPT_COUNTS = {
    "files": CountedMessage("count", N_plural("{count} file", "{count} files")),
    "fingerprints": CountedMessage(
        "count", N_plural("{count} fingerprint", "{count} fingerprints")
    ),
    "similarity_fingerprints": CountedMessage(
        "count", N_plural("{count} similarity fingerprint", "{count} similarity fingerprints")
    ),
    "crops": CountedMessage("count", N_plural("{count} crop", "{count} crops")),
    "already_held": CountedMessage(
        "count", N_plural("{count} was already in it", "{count} were already in it")
    ),
    # {bytes} is never 1: one request's JSON is longer than that.
    "will_send": CountedMessage(
        "count",
        N_plural(
            "{count} fingerprint ({bytes} bytes) will be sent.",
            "{count} fingerprints ({bytes} bytes) will be sent.",
        ),
    ),
    "video_progress": CountedMessage(
        "total",
        N_plural(
            "Making the video's similarity fingerprints: {done} of {total} second",
            "Making the video's similarity fingerprints: {done} of {total} seconds",
        ),
    ),
    # {frames} is never 1: a video with fewer than two usable frames is refused.
    "video_frames": CountedMessage(
        "seconds",
        N_plural(
            "similarity fingerprints of {frames} frames, one for every second of its {seconds} "
            "second",
            "similarity fingerprints of {frames} frames, one for every second of its {seconds} "
            "seconds",
        ),
    ),
    "videos_added": CountedMessage(
        "added",
        N_plural(
            "The frame fingerprints of {added} video were added too (already in the case: {held}).",
            "The frame fingerprints of {added} videos were added too (already in the case: "
            "{held}).",
        ),
    ),
    # {count} is never 1: a video alone brings two exact-copy fingerprints (MD5 and SHA-256).
    "will_send_videos": CountedMessage(
        "videos",
        N_plural(
            "{count} fingerprints and the frame fingerprints of {videos} video ({bytes} bytes) "
            "will be sent.",
            "{count} fingerprints and the frame fingerprints of {videos} videos ({bytes} bytes) "
            "will be sent.",
        ),
    ),
    "report_too_many": CountedMessage(
        "count",
        N_plural(
            "That is {count} address; at most {max} can be sent at a time. Send the rest in a "
            "second report.",
            "That is {count} addresses; at most {max} can be sent at a time. Send the rest in a "
            "second report.",
        ),
    ),
    **{
        f"tl_{key}": sentence
        for key, sentence in TIMELINE_SENTENCES.items()
        if isinstance(sentence, CountedMessage)
    },
    **{
        f"rp_{key}": sentence
        for key, sentence in SENTENCES.items()
        if isinstance(sentence, CountedMessage)
    },
}
