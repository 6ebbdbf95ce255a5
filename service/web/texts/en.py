"""English."""

from __future__ import annotations

from markupsafe import Markup

from service.web.texts import SupportLink, Texts

ENGLISH = Texts(
    lang="en",
    language_name="English",
    skip_link="Skip to the main content",
    site_tagline="Get intimate images removed without sending them to anyone",
    nav_label="Pages",
    nav_home="Start a case",
    nav_status="Check a case",
    nav_add="Add images",
    nav_withdraw="Withdraw a case",
    nav_recover="Lost your PIN?",
    language_label="Language",
    noscript=(
        "This page needs JavaScript to make fingerprints of your images on your own device. "
        "Without it nothing happens and nothing is sent."
    ),
    under18_title="Were you under 18 in the images?",
    under18_body=Markup(
        'Please use <a href="https://takeitdown.ncmec.org" rel="noopener noreferrer">'
        "Take It Down</a> instead. It is a free service of NCMEC, the US National Center for "
        "Missing &amp; Exploited Children, made for images taken before you turned 18. It works "
        "the same way: your images stay on your device."
    ),
    support_title="You are not alone",
    support_intro=(
        "These organisations help people whose intimate images were shared without consent. "
        "They are free and do not judge."
    ),
    support=(
        SupportLink(
            "StopNCII.org",
            "https://stopncii.org",
            "Worldwide: stops intimate images from being shared on the platforms that take part.",
        ),
        SupportLink(
            "Revenge Porn Helpline",
            "https://revengepornhelpline.org.uk",
            "United Kingdom: advice and help with getting images removed.",
        ),
        SupportLink(
            "Helpwanted.nl",
            "https://www.helpwanted.nl",
            "The Netherlands: advice and help when images of you are online.",
        ),
        SupportLink(
            "Take It Down (NCMEC)",
            "https://takeitdown.ncmec.org",
            "For images taken when you were under 18.",
        ),
    ),
    footer_privacy="This site sets no cookies and loads nothing from other websites.",
    home_title="Start a case",
    home_heading="Get intimate images removed, without sending them to anyone",
    home_intro=(
        "If intimate images of you were shared, or you fear they will be, you can ask us to look "
        "for them and have them taken down. You do not send us the images, and you do not tell "
        "us who you are."
    ),
    how_title="What happens",
    never_leave_title="Your images never leave this device",
    never_leave_body=(
        "This page makes a fingerprint of each image right here, in your browser. The images "
        "themselves are not uploaded, not even a small part of them. Once the page has loaded "
        "you could switch off the internet and making fingerprints would still work."
    ),
    hash_title="What a fingerprint is",
    hash_body=(
        "A fingerprint (also called a hash) is a short code worked out from a file: a line of "
        "letters and digits. For each image this page makes two similarity fingerprints, PDQ and "
        "pHash: a copy that was resized or saved again gets a very similar code, so it can still "
        "be recognised. It also makes two exact-copy fingerprints, MD5 and SHA-256, which only "
        "match the very same file; videos get only these. The image cannot be rebuilt from its "
        "codes."
    ),
    who_title="Who sees the fingerprints",
    who_body=(
        "Only the fingerprints are sent to this service. We keep them encrypted, with a case ID "
        "and a PIN, not with your name: we never ask for it. Our caseworkers and the platforms "
        "that work with us use the fingerprints to find and block copies. Nobody sees your images."
    ),
    cannot_title="What we cannot do",
    cannot_items=(
        "We cannot delete images from the whole internet. We ask websites to remove them, and "
        "not every website does.",
        "A heavily edited or cropped copy may not be recognised.",
        "We do not know who you are, so only a recovery code can set a new PIN if you lose it. "
        "Without one you can always open a new case.",
    ),
    pick_title="1. Choose your images",
    pick_help=(
        "Choose the images (or videos) you want taken down. You can choose many at once, or a "
        "whole folder."
    ),
    drop_hint="Drag images here, or use a button.",
    choose_files="Choose images",
    choose_folder="Choose a folder",
    files_title="Fingerprints",
    payload_summary="Show exactly what will be sent",
    send_title="2. Send the fingerprints",
    send_help=(
        "Only the fingerprints above are sent: no images, no file names. You get a case ID and "
        "a PIN back."
    ),
    send_button="Send fingerprints and open a case",
    opened_title="Your case is open",
    opened_warning=(
        "Save the case ID and PIN now: this is the only time the PIN is shown. With them you can "
        "check your case, add images or withdraw it."
    ),
    case_id_label="Case ID",
    pin_label="PIN",
    copy_button="Copy case ID and PIN",
    download_button="Download as a file",
    opened_next=Markup('Next: <a href="status">check your case</a> at any time.'),
    codes_title="Recovery codes",
    codes_help=(
        "If you lose the PIN, one of these codes sets a new one; each code works once. This is "
        "the only time they are shown. Keep them apart from the PIN, for example written on "
        "paper, so that whoever finds one does not find the other."
    ),
    copy_codes_button="Copy the recovery codes",
    download_codes_button="Download the recovery codes",
    credentials_legend="Your case",
    case_id_field="Case ID",
    case_id_hint="12 letters and digits, for example ABCD‑EFGH‑JKMN",
    pin_field="PIN",
    pin_hint="8 digits",
    status_title="Check a case",
    status_intro="Enter the case ID and PIN you got when you opened the case.",
    status_button="Check the case",
    status_label="Status",
    opened_at_label="Opened",
    withdrawn_at_label="Withdrawn",
    fingerprints_label="Fingerprints held",
    timeline_title="What has happened",
    notify_title="Tell me when there is news",
    notify_intro=(
        "Off unless you choose. We then send a short note when something happens, such as a "
        "copy found or removed. It says only that there is news: never a website, an address "
        "or your case ID, in case someone else reads your messages. You read the news here."
    ),
    notify_off="No notes (off)",
    notify_email="By e-mail",
    notify_webhook="To a webhook (for example a chat bot you run)",
    notify_address="E-mail address or https web address",
    notify_save="Save",
    webhook_signing_key_label="Secret to check the webhook's signature (shown only now):",
    report_title="Report where you found your images",
    report_intro=(
        "Give the web addresses where you saw your images: the page, or the image itself. We "
        "visit each one, make fingerprints of the images there without keeping them, and compare "
        "them with yours. A caseworker looks at every possible copy before anything is sent."
    ),
    report_urls_label="Web addresses",
    report_urls_hint="One per line, starting with https:// or http://, at most {max} at a time.",
    report_note_label="Note for the caseworker (optional)",
    report_note_hint=(
        "For example who posted them or when. It is stored encrypted and only caseworkers of "
        "your case can open it."
    ),
    report_button="Report these addresses",
    report_progress_title="What we found at each address",
    add_title="Add images to a case",
    add_intro=(
        "Found more images, or other copies? Add their fingerprints to your case. As before, "
        "the images stay on this device."
    ),
    add_button="Add the fingerprints to my case",
    withdraw_title="Withdraw a case",
    withdraw_intro=(
        "Withdrawing deletes every fingerprint in your case. We stop looking for your images, and "
        "platforms stop blocking them when they next update their lists.",
        "This cannot be undone. You can open a new case later.",
    ),
    withdraw_confirm="I understand that all fingerprints in my case will be deleted.",
    withdraw_button="Withdraw my case",
    recover_title="Set a new PIN",
    recover_intro=(
        "Lost the PIN of your case? Enter the case ID and one of the recovery codes you got when "
        "you opened it. You get a new PIN, shown once; the old PIN and that code stop working.",
        "Without a recovery code nobody can set a new PIN, because we do not know who you are. "
        "You can always open a new case.",
    ),
    recovery_code_field="Recovery code",
    recovery_code_hint="16 letters and digits, for example ABCD‑EFGH‑JKMN‑PQRS",
    recover_button="Set a new PIN",
    recovered_title="Your new PIN",
    recovered_warning=(
        "Save the new PIN now: this is the only time it is shown. The old PIN no longer works."
    ),
    script={
        "progress": "Making fingerprints: {done} of {total}",
        "progress_done": "Done: {total} files, {count} fingerprints ready to send.",
        "waiting": "Waiting",
        "working": "Making fingerprints…",
        "stage_digests": "Making exact-copy fingerprints…",
        "stage_decode": "Reading the image…",
        "stage_pdq": "Making the PDQ similarity fingerprint…",
        "stage_phash": "Making the pHash similarity fingerprint…",
        "stage_trimmed": "Making fingerprints of the image without its borders…",
        "ready": "Fingerprints ready",
        "quality": "detail score {quality} of 100",
        "exact_only": "Only exact-copy fingerprints:",
        "no_pdq": "the image has too little detail for a PDQ fingerprint; the pHash fingerprint "
        "can still recognise copies.",
        "not_image": "this is not an image this browser can read (videos and other files get "
        "exact-copy fingerprints only).",
        "heic": "this browser cannot read HEIC photos, so only exact copies of this file are "
        "protected. The takedown program for your computer reads HEIC and makes its full "
        "fingerprints: takedown submit PHOTOS.",
        "low_quality": "the image has too little detail for a similarity fingerprint.",
        "too_small": "the image is smaller than {min} pixels on a side.",
        "too_many_pixels": "the image has more than {max} million pixels.",
        "flat": "the image is nearly blank.",
        "too_big": "This file is larger than {mb} MB and cannot be fingerprinted in a browser.",
        "empty": "This file is empty: there is nothing to fingerprint.",
        "read_error": "This file could not be read.",
        "alg_pdq": "Similarity (PDQ)",
        "alg_pdq_trimmed": "Similarity without borders (PDQ)",
        "alg_md5": "Exact copy (MD5)",
        "alg_sha256": "Exact copy (SHA-256)",
        "alg_phash": "Similarity (pHash)",
        "alg_phash_trimmed": "Similarity without borders (pHash)",
        "nothing_to_send": "Choose images first: there are no fingerprints to send yet.",
        "will_send": "{count} fingerprints ({bytes} bytes) will be sent.",
        "sending": "Sending fingerprints…",
        "copied": "Copied.",
        "copy_failed": "Copying did not work. Select the case ID and PIN and copy them yourself.",
        "need_credentials": "Enter your case ID and PIN.",
        "need_confirm": "Tick the box to confirm first.",
        "checking": "Checking…",
        "added": "Done: {added} fingerprints added to your case ({duplicates} were already in it).",
        "withdrawn": "Your case is withdrawn: {deleted} fingerprints were deleted.",
        "status_active": "Active: we are looking for your images.",
        "status_withdrawn": "Withdrawn: the fingerprints were deleted.",
        "none": "none",
        "err_case_not_found": "No case matches this case ID and PIN, or the case is paused "
        "after too many wrong PINs. Check both; if it is paused, try again after {time}.",
        "err_recover_refused": "No case matches this case ID and recovery code, or the case is "
        "paused after too many wrong tries. Check both (each code works only once); if it is "
        "paused, try again after {time}.",
        "codes_left": "That recovery code is now used up; {count} left.",
        "codes_copy_failed": "Copying did not work. Select the codes and copy them yourself.",
        "need_recovery": "Enter your case ID and a recovery code.",
        "codes_file": "Recovery codes for takedown case {case_id}. Each sets a new PIN once, at "
        "{url}. Keep them apart from the PIN.",
        "err_case_withdrawn": "This case was withdrawn, so nothing can be added to it. You can "
        "open a new case.",
        "err_invalid_fingerprints": "The service refused some fingerprints:",
        "err_too_many": "Too many fingerprints for one case. Choose fewer images.",
        "err_rate_limited": "Too many tries from this connection. Wait a minute, then try again.",
        "err_unavailable": "The service is busy or down for a moment. Please try again shortly.",
        "err_network": "The service could not be reached. Check your connection and try again.",
        "err_other": "Something went wrong: {message}",
        "file_item": "file {n}",
        "tl_opened": "You opened this case.",
        "tl_fingerprints": "{count} fingerprints are in the hash bank.",
        "tl_fingerprints_one": "1 fingerprint is in the hash bank.",
        "tl_reported": "You reported {count} web addresses to check.",
        "tl_reported_one": "You reported 1 web address to check.",
        "tl_found": "{count} possible copies were found on {host}; a caseworker will check them.",
        "tl_found_one": "A possible copy was found on {host}; a caseworker will check it.",
        "tl_found_confirmed": "A caseworker confirmed {count} copies of your images on {host}.",
        "tl_found_confirmed_one": "A caseworker confirmed a copy of your image on {host}.",
        "tl_reupload": "{count} copies reappeared on {host} after removal; a caseworker will "
        "check them.",
        "tl_reupload_one": "A copy reappeared on {host} after it was removed; a caseworker will "
        "check it.",
        "tl_notice_sent": "A removal notice was sent to {platform}.",
        "tl_acknowledged": "{platform} confirmed it received the notice.",
        "tl_removed": "{platform} removed the image.",
        "tl_removed_after": "{platform} removed the image {hours} hours after the notice; we "
        "checked that it is gone.",
        "tl_removed_after_one": "{platform} removed the image 1 hour after the notice; we "
        "checked that it is gone.",
        "tl_reported_removed": "A caseworker reported that {platform} removed the image; we are "
        "checking that it is gone.",
        "tl_refused": "{platform} refused; your caseworker will escalate.",
        "tl_no_response": "{platform} did not answer in time.",
        "tl_checked_still_there": "We checked {platform}: the image is still there.",
        "tl_checked_gone": "We checked {platform}: the image is gone.",
        "tl_checked_error": "We tried to check {platform} but could not reach it; we will try "
        "again.",
        "tl_overdue": "{platform} missed its deadline; your caseworker is taking the next step.",
        "tl_reupload_checked": "We checked {host} for re-uploads {count} times since {since}.",
        "tl_reupload_checked_one": "We checked {host} for re-uploads once since {since}.",
        "tl_withdrawn": "You withdrew this case; its fingerprints were deleted.",
        "notify_state_off": "Notes are off.",
        "notify_state_email": "Notes go by e-mail to {address}.",
        "notify_state_webhook": "Notes go to the webhook at {address}.",
        "notify_failing": "The last note could not be delivered. Check the address.",
        "notify_need_address": "Enter the e-mail address or web address first.",
        "notify_saved": "Saved.",
        "report_need_urls": "Enter at least one web address.",
        "report_too_many": "That is {count} addresses; at most {max} can be sent at a time. "
        "Send the rest in a second report.",
        "report_bad_lines": "These lines are not web addresses starting with https:// or "
        "http://: {lines}.",
        "report_refused": "The service cannot check some addresses:",
        "report_line": "line {n}",
        "report_sending": "Sending the addresses…",
        "report_sent": "Sent. This list updates by itself until every address is checked.",
        "report_all_done": "Every address has been checked.",
        "report_stalled": "Checking takes longer than usual. Check your case again later to "
        "see the results.",
        "rp_queued": "Waiting to be checked.",
        "rp_checking": "Being checked now.",
        "rp_retrying": "Not checked yet because {why}; we will try again.",
        "rp_found": "Checked: {count} images matching yours found.",
        "rp_found_one": "Checked: 1 image matching yours found.",
        "rp_nothing_found": "Checked: nothing of yours found ({checked} images compared).",
        "rp_nothing_found_one": "Checked: nothing of yours found (1 image compared).",
        "rp_unreadable": "Checked: {found} images found there, but none could be read.",
        "rp_unreadable_one": "Checked: 1 image found there, but it could not be read.",
        "rp_no_images": "Checked: no images found at this address.",
        "rp_failed": "Could not be checked because {why}.",
        "why_invalid_url": "the address is not valid",
        "why_unsupported_scheme": "only http and https addresses can be checked",
        "why_blocked_address": "it leads to a private or internal network, which we never visit",
        "why_blocked_port": "it uses a port we do not visit (only the usual web ports 80 and 443)",
        "why_dns_error": "no website by that name exists",
        "why_dns_timeout": "looking up the website's name took too long",
        "why_connect_error": "the website could not be reached",
        "why_timeout": "the website did not answer in time",
        "why_too_large": "the file there is too large to check",
        "why_too_many_redirects": "the address sends us on to other addresses too many times",
        "why_http_error": "the website answered with an error instead of the page",
        "why_not_an_image": "what is there is not an image we can read",
        "why_unsupported_content": "what is there is neither a web page nor an image",
        "why_unsupported_encoding": "the website sent it in a form we cannot read",
        "why_image_too_large": "the image is too large to check safely",
        "why_image_too_small": "the image is too small to compare",
        "why_decode_error": "the image there is damaged or cannot be read",
        "why_worker_crashed": "checking it failed several times, so we stopped trying",
        "why_other": "something went wrong on our side",
    },
)
