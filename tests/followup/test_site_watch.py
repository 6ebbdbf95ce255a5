"""A site watch follows the host's own links from its start page and finds a re-upload there."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from casework.db import transaction
from casework.models import Match, MatchStatus, ReportItem, TakedownCheck, WatchedUrl
from casework.notices.watches import WatchScope, WatchSource, watch_url
from casework.runtime import Runtime
from casework.settings import Settings
from tests.conftest import make_settings
from tests.followup.conftest import Leak, page_html
from tests.harness import ContentServer
from workers.followup import check_watched

MakeLeak = Callable[..., Leak]
PAGES = 4


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url).model_copy(
        update={"watch_site_pause_seconds": 0.0, "watch_site_pages": PAGES}
    )


def links(*paths: str) -> bytes:
    return "".join(f'<a href="{path}">page</a>' for path in paths).encode()


def watch_site(runtime: Runtime, leak: Leak, url: str) -> int:
    with transaction(runtime.sessions) as session:
        return watch_url(
            session,
            case_id=leak.case_id,
            url=url,
            source=WatchSource.CASEWORKER,
            scope=WatchScope.SITE,
        ).id


def test_a_reupload_two_links_from_the_start_page_opens_a_review_item(
    runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    base = content_server.base
    content_server.add("/", "text/html", links("/forum", "https://elsewhere.example/x"))
    content_server.add("/forum", "text/html", links("/forum/thread/9", "/"))
    content_server.add("/forum/thread/9", "text/html", page_html(leak.image_path))
    watched_id = watch_site(runtime, leak, base + "/")
    content_server.requests.clear()

    check_watched(watched_id)

    assert content_server.requests == ["/", "/forum", "/forum/thread/9", leak.image_path]
    with runtime.sessions() as session:
        on_thread = select(ReportItem.id).where(ReportItem.url == base + "/forum/thread/9")
        [fresh] = session.scalars(
            select(Match).where(Match.item_id.in_(on_thread)).order_by(Match.distance).limit(1)
        ).all()
        assert fresh.case_id == leak.case_id and fresh.status == MatchStatus.PENDING
        rows = session.scalars(
            select(TakedownCheck).where(TakedownCheck.watched_id == watched_id)
        ).all()
        assert [row.url for row in rows] == [base + "/", base + "/forum", base + "/forum/thread/9"]
        assert [row.outcome for row in rows] == ["gone", "gone", "still_there"]
        assert rows[2].match_id == fresh.id
        assert session.get_one(WatchedUrl, watched_id).last_outcome == "still_there"


def test_a_site_watch_stops_at_its_page_limit_and_stays_on_its_host(
    runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    many = [f"/p/{n}" for n in range(10)]
    content_server.add("/", "text/html", links(*many))
    for path in many:
        content_server.add(path, "text/html", links(*many))
    watched_id = watch_site(runtime, leak, content_server.base + "/")
    content_server.requests.clear()

    check_watched(watched_id)

    assert content_server.requests == ["/", "/p/0", "/p/1", "/p/2"]
