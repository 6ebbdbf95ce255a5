"""In Debian's Chromium: a caseworker marks a notice removed while the image is still online.

Screenshots (1280 px, English and Dutch) go to test-artifacts/console/ with the other console
ones. Every request to anything but the test server is blocked and recorded.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from casework.runtime import Runtime
from tests.factories import one_photo_matched_twice
from tests.followup.conftest import Leak
from tests.personas import Guard, World, log_in, new_context, shot
from workers.followup import check_removal

pytestmark = pytest.mark.browser


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """SQLite only, as the other console browser test: the pages are the same on both."""
    path = tmp_path / "takedown.db"
    shutil.copy(sqlite_template, path)
    yield f"sqlite:///{path}"


def switch_language(page: Page, to: str) -> None:
    page.get_by_role("button", name=to).click()


def test_a_notice_marked_removed_while_still_online_says_so_in_english_and_dutch(
    browser: Browser,
    live_server: str,
    world: World,
    runtime: Runtime,
    make_leak: Callable[..., Leak],
) -> None:
    leak = make_leak()
    one_photo_matched_twice(runtime, world)
    guard = Guard(live_server)
    context = new_context(browser, guard)
    page = context.new_page()
    log_in(page, live_server, "carol@voorbeeld.example")
    shot(page, "20-queue-per-image")

    page.goto(f"{live_server}/console/takedowns/{leak.takedown_id}")
    page.get_by_role("button", name="Mark as removed").click()
    expect(page.locator("p.claim")).to_contain_text("a removal check is queued or running")
    expect(page.locator("#status h2")).to_contain_text("Sent")
    check_removal(leak.takedown_id)
    page.reload()
    expect(page.locator("p.claim")).to_contain_text("found it still there")
    expect(page.locator("#evidence tr.check")).to_have_count(2)
    expect(page.locator("#evidence")).to_contain_text("found: still online")
    shot(page, "21-notice-reported-removed-still-there-en")

    page.goto(f"{live_server}/console/cases/{world.case_id}")
    expect(page.locator("tr.image")).to_have_count(3)
    shot(page, "22-case-matches-per-image-en")

    switch_language(page, "Nederlands")
    expect(page.locator("tr.image").first).to_contain_text("wacht op beoordeling")
    shot(page, "23-case-matches-per-image-nl")
    page.goto(f"{live_server}/console/takedowns/{leak.takedown_id}")
    expect(page.locator("p.claim")).to_contain_text("vond hem nog online")
    expect(page.locator("#evidence")).to_contain_text("gevonden: nog online")
    shot(page, "24-notice-reported-removed-still-there-nl")
    assert guard.blocked == []
