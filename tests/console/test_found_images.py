"""Matches are told per image found: one row, one decision, one sentence for the victim."""

from __future__ import annotations

import random
import re

from sqlalchemy import select

from casework.bank.fingerprints import SubmittedFingerprint
from casework.db import transaction
from casework.models import Case, CaseFingerprint, Match, Report, ReportItem
from casework.reports.reports import FoundMatch, record_matches
from casework.runtime import Runtime
from casework.victims import cases
from casework.victims.timeline import case_timeline
from hashing.fingerprint import Algorithm, Fingerprint
from tests.factories import (
    ONE_PHOTO_IMAGE,
    ONE_PHOTO_PAGE,
    flip,
    one_photo_matched_twice,
    random_fingerprint,
)
from tests.personas import Console, World


def rows_for(html: str, url: str) -> list[str]:
    return [row for row in re.findall(r'<tr class="image">.*?</tr>', html, re.S) if url in row]


def test_two_algorithms_matching_one_photo_make_one_row_on_the_case_page(
    carol: Console, world: World, runtime: Runtime
) -> None:
    assert len(one_photo_matched_twice(runtime, world)) == 2
    page = carol.client.get(f"/console/cases/{world.case_id}").text
    [row] = rows_for(page, ONE_PHOTO_IMAGE)
    assert '<td class="pdq nowrap">6 / 256</td>' in row
    assert '<td class="phash nowrap">3 / 64</td>' in row
    assert ONE_PHOTO_PAGE in row
    assert len(re.findall(r'<tr class="image">', page)) == 3
    assert len(re.findall(r"found on photos\.example", page)) == 1


def test_the_queue_shows_one_card_per_photo_with_both_distances_and_confirms_them_together(
    carol: Console, world: World, runtime: Runtime
) -> None:
    first, second = one_photo_matched_twice(runtime, world)
    queue = carol.client.get("/console/queue").text
    cards = [
        card for card in queue.split('<article class="card match"')[1:] if ONE_PHOTO_IMAGE in card
    ]
    assert len(cards) == 1
    assert '<dd class="pdq">6 / 256 bits</dd>' in cards[0]
    assert '<dd class="phash">3 / 64 bits</dd>' in cards[0]
    assert carol.post(f"/console/matches/{second}/confirm").status_code == 303
    with runtime.sessions() as session:
        statuses = session.scalars(select(Match.status).where(Match.id.in_([first, second])))
        assert set(statuses) == {"confirmed"}
    assert ONE_PHOTO_IMAGE not in carol.client.get("/console/queue").text


def test_the_victim_hears_of_one_photo_found_once(world: World, runtime: Runtime) -> None:
    one_photo_matched_twice(runtime, world)
    with runtime.sessions() as session:
        events = case_timeline(session, case=session.get_one(Case, world.case_id))
    told = [event.text for event in events if event.params.get("host") == "img.photos.example"]
    assert told == ["A possible copy was found on img.photos.example; a caseworker will check it."]


def test_the_victim_hears_of_one_page_showing_a_photo_at_three_sizes_in_one_sentence(
    world: World, runtime: Runtime
) -> None:
    rng = random.Random(12)
    pdq = Fingerprint.parse("pdq", world.fingerprint_hexes[0])
    with runtime.sessions() as session:
        fingerprint_id = session.execute(
            select(CaseFingerprint.id).where(CaseFingerprint.value_mac == runtime.vault.mac(pdq))
        ).scalar_one()
    sizes = ("thumb", "medium", "full")
    with transaction(runtime.sessions) as session:
        report = Report(public_id="three-sizes", case_id=world.case_id, reporter_kind="victim")
        report.items = [ReportItem(url=ONE_PHOTO_PAGE, status="done")]
        session.add(report)
        session.flush()
        found = [
            FoundMatch(
                image_url=f"https://img.photos.example/7/{size}.jpg",
                fingerprint_id=fingerprint_id,
                case_id=world.case_id,
                found=flip(pdq, 4, rng),
                distance=4,
            )
            for size in sizes
        ]
        record_matches(session, item=report.items[0], found=found, vault=runtime.vault)
    with runtime.sessions() as session:
        events = case_timeline(session, case=session.get_one(Case, world.case_id))
    told = [event for event in events if event.params.get("host") == "img.photos.example"]
    assert [event.text for event in told] == [
        "3 possible copies were found on img.photos.example; a caseworker will check them."
    ]
    assert told[0].params["count"] == 3


def test_the_case_page_counts_one_fingerprint_sent_without_its_photo_in_the_singular(
    carol: Console, runtime: Runtime
) -> None:
    rng = random.Random(13)
    with transaction(runtime.sessions) as session:
        case_id = cases.open_case(
            session,
            fingerprints=[
                SubmittedFingerprint("phash", random_fingerprint(Algorithm.PHASH, rng).hex)
            ],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        ).case.id
    page = carol.client.get(f"/console/cases/{case_id}").text
    assert "1 fingerprint was sent without saying which photo it came from" in page
