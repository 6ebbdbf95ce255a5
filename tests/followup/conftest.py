"""Follow-up fixtures: a case whose image a loopback server serves, and a sent notice for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from casework.db import transaction, utcnow
from casework.models import (
    Match,
    MatchStatus,
    ReportItem,
    Takedown,
    TakedownItem,
    TakedownStatus,
)
from casework.reports.reports import Reporter, ReporterKind, create_report
from casework.runtime import Runtime
from casework.victims import cases
from tests.factories import sent_for
from tests.harness import ContentServer, encode
from workers.context import WorkerContext
from workers.reports import fetch_and_match


def noise_png(seed_size: tuple[int, int] = (320, 240)) -> bytes:
    """A detailed image (random noise, upscaled) that hashes with full PDQ quality."""
    photo = Image.effect_noise(seed_size, 80).convert("RGB").resize((640, 480))
    return encode(photo, "PNG")


@dataclass
class Leak:
    """What the fixture set up: the served image, its URLs, the case and its sent notice."""

    body: bytes
    page_path: str
    image_path: str
    case_id: int
    takedown_id: int


def page_html(image_path: str) -> bytes:
    return f'<html><body><img src="{image_path}"></body></html>'.encode()


@pytest.fixture
def make_leak(
    runtime: Runtime, loopback_context: WorkerContext, content_server: ContentServer
) -> Callable[..., Leak]:
    """A case, a page showing its image, confirmed matches and a notice marked sent."""

    def make(*, deadline_in: timedelta = timedelta(hours=48), page: bool = True) -> Leak:
        body = noise_png()
        image_path = "/media/leak.png"
        page_path = "/thread/1" if page else image_path
        content_server.add(image_path, "image/png", body)
        if page:
            content_server.add(page_path, "text/html", page_html(image_path))
        with transaction(runtime.sessions) as session:
            opened = cases.open_case(
                session,
                fingerprints=sent_for(body),
                limits=runtime.limits,
                vault=runtime.vault,
                pins=runtime.pins,
            )
            case_id = opened.case.id
            report = create_report(
                session,
                reporter=Reporter(ReporterKind.CASEWORKER),
                urls=[content_server.base + page_path],
                note=None,
                vault=runtime.vault,
            )
            item_id = report.items[0].id
        fetch_and_match(item_id)
        now = utcnow()
        with transaction(runtime.sessions) as session:
            assert session.get_one(ReportItem, item_id).status == "done"
            matches = list(session.scalars(select(Match).where(Match.item_id == item_id)))
            assert matches, "the served image must match the case"
            for match in matches:
                match.status = MatchStatus.CONFIRMED.value
            takedown = Takedown(
                reference="TD-TEST0001",
                case_id=case_id,
                platform="127.0.0.1",
                host="127.0.0.1",
                regime="generic",
                status=TakedownStatus.SENT.value,
                fields_json="{}",
                deadline_hours=48,
                sent_at=now - timedelta(hours=1),
                deadline_at=now + deadline_in,
            )
            takedown.items = [TakedownItem(match_id=match.id) for match in matches]
            session.add(takedown)
            session.flush()
            takedown_id = takedown.id
        return Leak(
            body=body,
            page_path=page_path,
            image_path=image_path,
            case_id=case_id,
            takedown_id=takedown_id,
        )

    return make
