"""End to end in Debian's Chromium, over real HTTP: from a pending match to a sent notice.

Screenshots and the exported files are kept under test-artifacts/console/ (CI artefacts).
Nothing but the test server may be contacted: every other request is blocked and recorded,
which proves the console never loads a leaked image or anything else from elsewhere.
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from casework.db import transaction, utcnow
from casework.models import Takedown
from casework.runtime import Runtime
from tests.personas import CONSOLE_ARTIFACTS, Guard, World, log_in, new_context, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """SQLite only: the browser flow is the same on both backends (tests/console covers both)."""
    path = tmp_path / "takedown.db"
    shutil.copy(sqlite_template, path)
    yield f"sqlite:///{path}"


def test_a_caseworker_takes_a_match_to_a_sent_take_it_down_notice(
    browser: Browser, live_server: str, world: World, runtime: Runtime
) -> None:
    guard = Guard(live_server)
    context = new_context(browser, guard)
    page = context.new_page()
    near, far = world.match_ids

    page.goto(f"{live_server}/console/login")
    shot(page, "01-login")
    log_in(page, live_server, "carol@voorbeeld.example")
    expect(page.locator(f"#match-{near}")).to_contain_text("cdn.video-site.example/i/123.jpg")
    expect(page.locator(f"#match-{near}")).to_contain_text("Near-identical")
    shot(page, "02-review-queue")

    page.locator(f"#match-{far}").get_by_role("link", name="Open URL…").click()
    expect(page.get_by_role("heading", name="Before you open this URL")).to_be_visible()
    shot(page, "03-open-url-warning")
    page.get_by_role("link", name="Back to the queue without opening").click()

    page.locator(f"#match-{near}").get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.locator(f"#match-{near}")).to_have_count(0)
    expect(page.locator(f"#match-{far}")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Cases").click()
    page.get_by_role("link", name=f"Case {world.case_id}").click()
    expect(page.get_by_role("heading", name="Fingerprints")).to_be_visible()
    page.get_by_label("Regime").select_option(label="US TAKE IT DOWN Act removal request")
    shot(page, "04-case-view")
    page.get_by_role("button", name="Draft notices").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Notice TD-"))).to_be_visible()
    expect(page.locator("pre.letter")).to_contain_text("TAKE IT DOWN Act")
    expect(page.locator("pre.letter")).to_contain_text("authorised agent")
    shot(page, "05-takedown-draft")

    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#status h2")).to_contain_text("Approved")
    with page.expect_download() as eml_download:
        page.get_by_role("button", name="E-mail (.eml)").click()
    eml_path = CONSOLE_ARTIFACTS / "notice.eml"
    eml_download.value.save_as(eml_path)
    message = email.message_from_bytes(eml_path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "notices@video-site.example"
    assert "https://cdn.video-site.example/i/123.jpg" in message.get_body().get_content()
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="PDF").click()
    pdf_path = CONSOLE_ARTIFACTS / "notice.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    shot(page, "06-approved-exports")

    page.get_by_role("button", name="Mark as sent").click()
    expect(page.locator("#status h2")).to_contain_text("Sent")
    expect(page.locator(".deadline")).to_contain_text("48 hours after sending")
    shot(page, "07-sent-with-deadline")
    with runtime.sessions() as session:
        takedown = session.query(Takedown).one()
        assert takedown.sent_at is not None and takedown.deadline_at is not None
        assert takedown.deadline_at - takedown.sent_at == timedelta(hours=48)
        deadline = takedown.deadline_at.strftime("%Y-%m-%d %H:%M UTC")
    expect(page.locator(".deadline")).to_contain_text(deadline)

    page.get_by_role("navigation").get_by_role("link", name="Notices").click()
    expect(page.locator("table")).to_contain_text(deadline)

    # Two days later, nothing happened: the notice is overdue and escalation is offered.
    with transaction(runtime.sessions) as session:
        takedown = session.query(Takedown).one()
        takedown.sent_at = utcnow() - timedelta(hours=50)
        takedown.deadline_at = takedown.sent_at + timedelta(hours=48)
        takedown_id = takedown.id
    page.goto(f"{live_server}/console/takedowns/{takedown_id}")
    expect(page.locator("#status")).to_have_class(re.compile("overdue"))
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    shot(page, "08-overdue-next-steps")
    page.get_by_role("navigation").get_by_role("link", name="Notices").click()
    expect(page.locator("tr.overdue")).to_have_count(1)
    page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_role("heading", name="Verwijderverzoeken")).to_be_visible()
    shot(page, "09-notices-in-dutch")

    errors = page.evaluate("[...document.querySelectorAll('img, script, iframe')].length")
    assert errors == 0
    context.close()
    assert guard.blocked == [], "the console contacted another origin"


def test_a_caseworker_of_another_organisation_gets_404_in_the_browser(
    browser: Browser, live_server: str, world: World
) -> None:
    guard = Guard(live_server)
    context = new_context(browser, guard)
    page = context.new_page()
    log_in(page, live_server, "mallory@elsewhere.example")
    response = page.goto(f"{live_server}/console/cases/{world.case_id}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("no case with this number")
    shot(page, "10-other-organisation-404")
    context.close()
    assert guard.blocked == []


def test_an_admin_manages_accounts_and_reads_the_registry_and_audit_log(
    browser: Browser, live_server: str, world: World
) -> None:
    guard = Guard(live_server)
    context = new_context(browser, guard)
    page = context.new_page()
    log_in(page, live_server, "olga@voorbeeld.example")
    page.get_by_role("link", name="Accounts").click()
    page.get_by_label("Name (signs notices)").fill("Bob Visser")
    page.get_by_label("E-mail address").fill("bob@voorbeeld.example")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".notice")).to_contain_text("bob@voorbeeld.example")
    shot(page, "11-admin-accounts")
    page.get_by_role("link", name="Organisation").click()
    expect(page.get_by_label("E-mail address for notices")).to_have_value(
        "notices@voorbeeld.example"
    )
    shot(page, "12-admin-organisation")
    page.get_by_role("link", name="Platforms").click()
    expect(page.locator("table")).to_contain_text("video-site.example")
    shot(page, "13-platform-registry")
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("table")).to_contain_text("account_created")
    shot(page, "14-audit-log")
    context.close()
    assert guard.blocked == []
