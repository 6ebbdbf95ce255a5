"""Every word of the victim pages, once per language.

A frozen dataclass with no defaults: a language that misses a string fails at import and in
mypy, so the Dutch page can never silently show English. Strings that carry links are Markup
and are written here, by us, never built from input. ``script`` holds what app.js shows; the
page embeds it as JSON, with ``{name}`` placeholders that app.js fills in.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True, slots=True)
class SupportLink:
    """An organisation that helps, with the words to say what it does."""

    name: str
    url: str
    about: str


@dataclass(frozen=True, slots=True)
class Texts:
    """The words of one language."""

    lang: str
    language_name: str
    skip_link: str
    site_tagline: str
    nav_label: str
    nav_home: str
    nav_status: str
    nav_add: str
    nav_withdraw: str
    nav_recover: str
    language_label: str
    noscript: str
    under18_title: str
    under18_body: Markup
    support_title: str
    support_intro: str
    support: tuple[SupportLink, ...]
    footer_privacy: str

    home_title: str
    home_heading: str
    home_intro: str
    how_title: str
    never_leave_title: str
    never_leave_body: str
    hash_title: str
    hash_body: str
    who_title: str
    who_body: str
    cannot_title: str
    cannot_items: tuple[str, ...]

    pick_title: str
    pick_help: str
    drop_hint: str
    choose_files: str
    choose_folder: str
    files_title: str
    payload_summary: str
    send_title: str
    send_help: str
    send_button: str
    opened_title: str
    opened_warning: str
    case_id_label: str
    pin_label: str
    copy_button: str
    download_button: str
    opened_next: Markup
    codes_title: str
    codes_help: str
    copy_codes_button: str
    download_codes_button: str

    credentials_legend: str
    case_id_field: str
    case_id_hint: str
    pin_field: str
    pin_hint: str

    status_title: str
    status_intro: str
    status_button: str
    status_label: str
    opened_at_label: str
    withdrawn_at_label: str
    fingerprints_label: str
    timeline_title: str
    notify_title: str
    notify_intro: str
    notify_off: str
    notify_email: str
    notify_webhook: str
    notify_address: str
    notify_save: str
    webhook_signing_key_label: str
    report_title: str
    report_intro: str
    report_urls_label: str
    report_urls_hint: str
    report_note_label: str
    report_note_hint: str
    report_button: str
    report_progress_title: str

    add_title: str
    add_intro: str
    add_button: str

    withdraw_title: str
    withdraw_intro: tuple[str, ...]
    withdraw_confirm: str
    withdraw_button: str

    recover_title: str
    recover_intro: tuple[str, ...]
    recovery_code_field: str
    recovery_code_hint: str
    recover_button: str
    recovered_title: str
    recovered_warning: str

    script: dict[str, str]
