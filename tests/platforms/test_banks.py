"""Named banks: imports (threatexchange, CSV), disable, policy, and who is told a match's bank."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.bank.matching import find_matches
from casework.db import transaction
from casework.models import Bank, BankChange, CaseFingerprint
from casework.platforms import feed
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm, Fingerprint
from service.cli import main
from tests.conftest import table_counts
from tests.factories import add_report, random_fingerprint
from tests.personas import Console, World
from tests.platformkeys import PlatformKeys, bank_case, bearer, refresh_index

Takedown = Callable[..., tuple[int, str, str]]


@pytest.fixture
def takedown(cli_settings: None, capsys: pytest.CaptureFixture[str]) -> Takedown:
    """Run `takedown ...` in process against the test database; returns (status, out, err)."""

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def check(client: TestClient, key: str, fingerprint: Fingerprint) -> dict[str, object]:
    body = {"fingerprints": [{"algorithm": fingerprint.algorithm.value, "value": fingerprint.hex}]}
    response = client.post("/v1/check", json=body, headers=bearer(key))
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()["results"][0]
    return result


def tx_line(fingerprint: Fingerprint) -> str:
    names = {Algorithm.PDQ: "pdq", Algorithm.MD5: "video_md5", Algorithm.SHA256: "photo_sha256"}
    return f"{names[fingerprint.algorithm]} {fingerprint.hex}\n"


def listed(rng: random.Random, count: int) -> list[Fingerprint]:
    kinds = [Algorithm.PDQ, Algorithm.MD5, Algorithm.SHA256]
    return [random_fingerprint(kinds[i % 3], rng) for i in range(count)]


def import_list(
    takedown: Takedown, folder: Path, values: list[Fingerprint], bank: str, owner: str
) -> str:
    """Add a bank and import these values into it as a threatexchange file; the import's output."""
    path = folder / f"{bank}.txt"
    path.write_text("".join(tx_line(fp) for fp in values))
    status, _out, err = takedown("banks", "add", bank, "--owner", owner)
    assert status == 0, err
    status, out, err = takedown(
        "banks", "import", "--bank", bank, "--format", "threatexchange", str(path)
    )
    assert status == 0, err
    return out


def bank_size(runtime: Runtime, name: str) -> int:
    with runtime.sessions() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(CaseFingerprint)
                .join(Bank, Bank.id == CaseFingerprint.bank_id)
                .where(Bank.name == name)
            ).scalar_one()
        )


def test_an_imported_threatexchange_list_matches_platform_checks_with_its_policy(
    takedown: Takedown, client: TestClient, keys: PlatformKeys, tmp_path: Path, runtime: Runtime
) -> None:
    values = listed(random.Random(1), 6)
    path = tmp_path / "partner.txt"
    path.write_text("# from Helpline B\n" + "".join(tx_line(fp) for fp in values) + "\n")
    status, _out, err = takedown("banks", "add", "helpline-b", "--owner", "Helpline B")
    assert status == 0, err
    status, out, err = takedown(
        "banks", "import", "--bank", "helpline-b", "--format", "threatexchange", str(path)
    )
    assert status == 0, err
    assert "6 added" in out
    refresh_index(runtime)
    for fingerprint in values:
        answer = check(client, keys.alpha, fingerprint)
        assert answer["verdict"] == "match"
        assert answer["policy"] == "review"
        assert answer["bank"] is None
    # Importing the same file again adds nothing: identity within a bank is the value.
    status, out, _err = takedown(
        "banks", "import", "--bank", "helpline-b", "--format", "threatexchange", str(path)
    )
    assert status == 0 and "0 added" in out and "6 already held" in out
    assert bank_size(runtime, "helpline-b") == 6
    status, out, _err = takedown("banks", "list")
    assert "helpline-b\tenabled\treview\timport\t6 fingerprint(s)\tHelpline B" in out
    assert out.startswith("victims\tenabled\tact\tvictims\t0 fingerprint(s)")
    for fingerprint in values:
        assert fingerprint.hex not in out


def test_a_list_with_malformed_lines_is_refused_whole_naming_each_line(
    takedown: Takedown, tmp_path: Path, runtime: Runtime
) -> None:
    good = listed(random.Random(2), 3)
    lines = [
        tx_line(good[0]),
        "pdq " + "f" * 63 + "\n",  # line 2: short
        tx_line(good[1]),
        "url https://example.com/x\n",  # line 4: a signal type we do not match
        "pdq " + "0" * 64 + "\n",  # line 5: a blank image's hash would match anything blank
        tx_line(good[2]),
        "video_md5 " + "AB" * 16 + "\n",  # line 7: uppercase
    ]
    path = tmp_path / "bad.txt"
    path.write_text("".join(lines))
    takedown("banks", "add", "partner", "--owner", "Partner")
    before = table_counts(runtime)
    status, _out, err = takedown(
        "banks", "import", "--bank", "partner", "--format", "threatexchange", str(path)
    )
    assert status == 1
    for number in (2, 4, 5, 7):
        assert f"line {number}:" in err
    for number in (1, 3, 6):
        assert f"line {number}:" not in err
    assert "nothing was" in err
    assert table_counts(runtime) == before
    assert bank_size(runtime, "partner") == 0


def test_an_import_error_lists_at_most_twenty_lines_and_counts_the_rest(
    takedown: Takedown, tmp_path: Path
) -> None:
    path = tmp_path / "many.txt"
    path.write_text("pdq 00\n" * 45)
    takedown("banks", "add", "partner", "--owner", "Partner")
    status, _out, err = takedown(
        "banks", "import", "--bank", "partner", "--format", "threatexchange", str(path)
    )
    assert status == 1
    assert "45 line(s) cannot be imported" in err
    assert "line 20:" in err and "line 21:" not in err
    assert "(and 25 more)" in err


def test_a_csv_list_of_algorithm_and_value_imports_every_algorithm(
    takedown: Takedown, client: TestClient, keys: PlatformKeys, tmp_path: Path, runtime: Runtime
) -> None:
    rng = random.Random(3)
    values = [random_fingerprint(algorithm, rng) for algorithm in Algorithm]
    path = tmp_path / "list.csv"
    path.write_text("algorithm,value\n" + "".join(f"{fp.algorithm},{fp.hex}\n" for fp in values))
    takedown("banks", "add", "partner", "--owner", "Partner", "--policy", "act")
    status, out, err = takedown(
        "banks", "import", "--bank", "partner", "--format", "csv", str(path)
    )
    assert status == 0, err
    assert "4 added" in out
    refresh_index(runtime)
    for fingerprint in values:
        answer = check(client, keys.alpha, fingerprint)
        assert (answer["verdict"], answer["policy"]) == ("match", "act")
    path.write_text("pdq,zz\n" + f"{values[1].hex},phash\n")
    status, _out, err = takedown(
        "banks", "import", "--bank", "partner", "--format", "csv", str(path)
    )
    assert status == 1 and "line 1:" in err and "line 2:" in err
    # The swapped columns are not quoted back: a hash never lands in a message.
    assert values[1].hex not in err


def test_a_replacing_import_drops_what_the_new_list_lacks(
    takedown: Takedown, client: TestClient, keys: PlatformKeys, tmp_path: Path, runtime: Runtime
) -> None:
    first, second, third = listed(random.Random(4), 3)
    path = tmp_path / "list.txt"
    path.write_text(tx_line(first) + tx_line(second))
    takedown("banks", "add", "partner", "--owner", "Partner")
    takedown("banks", "import", "--bank", "partner", "--format", "threatexchange", str(path))
    path.write_text(tx_line(second) + tx_line(third))
    status, out, _err = takedown(
        "banks", "import", "--bank", "partner", "--format", "threatexchange", str(path), "--replace"
    )
    assert status == 0 and "1 added, 1 removed" in out
    refresh_index(runtime)
    assert check(client, keys.alpha, first)["verdict"] == "no_match"
    assert check(client, keys.alpha, third)["verdict"] == "match"
    with runtime.sessions() as session:
        stored = session.execute(select(CaseFingerprint.value_mac)).scalars().all()
    assert runtime.vault.mac(first) not in stored


def test_a_disabled_bank_stops_matching_at_the_next_refresh_and_an_enabled_one_resumes(
    takedown: Takedown, client: TestClient, keys: PlatformKeys, tmp_path: Path, runtime: Runtime
) -> None:
    values = listed(random.Random(5), 3)
    victim = random_fingerprint(Algorithm.PDQ, random.Random(50))
    bank_case(runtime, [victim])
    import_list(takedown, tmp_path, values, "partner", "Partner")
    refresh_index(runtime)
    assert len(runtime.bank) == 4
    status, out, _err = takedown("banks", "disable", "partner")
    assert status == 0 and "3 fingerprint(s) no longer match" in out
    # Even before this process refreshes, the database check drops the disabled bank's hits.
    assert check(client, keys.alpha, values[0])["verdict"] == "no_match"
    refresh_index(runtime)
    assert len(runtime.bank) == 1
    for fingerprint in values:
        assert check(client, keys.alpha, fingerprint)["verdict"] == "no_match"
    assert check(client, keys.alpha, victim)["verdict"] == "match"
    # A process that loads the whole bank afresh leaves the disabled bank out too.
    from casework.bank.bank import BankIndex

    fresh = BankIndex(runtime.vault)
    with runtime.sessions() as session:
        fresh.refresh(session)
    assert len(fresh) == 1
    takedown("banks", "enable", "partner")
    refresh_index(runtime)
    assert all(check(client, keys.alpha, fp)["verdict"] == "match" for fp in values)


def test_only_keys_allowed_to_see_banks_are_told_which_bank_matched(
    takedown: Takedown, client: TestClient, keys: PlatformKeys, tmp_path: Path, runtime: Runtime
) -> None:
    imported = listed(random.Random(6), 1)[0]
    victim = random_fingerprint(Algorithm.PDQ, random.Random(60))
    bank_case(runtime, [victim])
    import_list(takedown, tmp_path, [imported], "helpline-b", "Helpline B")
    takedown("platforms", "add", "seer", "--domain", "seer.example")
    status, out, _err = takedown("keys", "issue", "seer", "--scope", "check", "--sees-banks")
    assert status == 0
    seeing = out.splitlines()[-1]
    status, out, _err = takedown("keys", "list", "seer")
    assert "check,sees-banks" in out
    refresh_index(runtime)
    told = check(client, seeing, imported)
    assert (told["verdict"], told["bank"], told["policy"]) == ("match", "helpline-b", "review")
    assert check(client, seeing, victim)["bank"] == "victims"
    assert check(client, keys.beta, imported)["bank"] is None
    assert check(client, keys.alpha, victim)["bank"] is None
    assert check(client, keys.alpha, victim)["policy"] == "act"
    takedown("banks", "policy", "helpline-b", "act")
    assert check(client, seeing, imported)["policy"] == "act"
    # A rotated key keeps the permission of the key it replaces.
    status, out, _err = takedown("keys", "rotate", "seer")
    assert status == 0
    assert check(client, out.splitlines()[1], imported)["bank"] == "helpline-b"


def test_deleting_a_bank_deletes_its_fingerprints_and_they_stop_matching(
    takedown: Takedown, client: TestClient, keys: PlatformKeys, tmp_path: Path, runtime: Runtime
) -> None:
    values = listed(random.Random(7), 3)
    import_list(takedown, tmp_path, values, "partner", "Partner")
    refresh_index(runtime)
    status, out, _err = takedown("banks", "delete", "partner")
    assert status == 0 and "3 fingerprint(s)" in out
    refresh_index(runtime)
    assert len(runtime.bank) == 0
    assert check(client, keys.alpha, values[0])["verdict"] == "no_match"
    counts = table_counts(runtime)
    assert counts["case_fingerprints"] == 0 and counts["banks"] == 0


def test_the_feed_and_the_export_carry_the_victims_bank_only(
    takedown: Takedown, tmp_path: Path, runtime: Runtime
) -> None:
    imported = listed(random.Random(8), 2)
    victim = random_fingerprint(Algorithm.PDQ, random.Random(80))
    bank_case(runtime, [victim])
    import_list(takedown, tmp_path, imported, "partner", "Partner")
    takedown("banks", "delete", "partner")
    with runtime.sessions() as session:
        assert session.execute(select(func.count()).select_from(BankChange)).scalar_one() == 5
        page = feed.read_feed(
            session, vault=runtime.vault, platform_id=1, algorithms=list(Algorithm), cursor=None
        )
        lines = list(
            feed.threatexchange_lines(session, vault=runtime.vault, algorithms=list(Algorithm))
        )
    assert [(entry.op, entry.value) for entry in page.entries] == [("add", victim.hex)]
    assert lines == [f"pdq {victim.hex}\n"]


def test_a_reported_image_matching_an_outside_list_is_reviewed_in_the_case_with_its_bank(
    takedown: Takedown, tmp_path: Path, runtime: Runtime, carol: Console, world: World
) -> None:
    imported = random_fingerprint(Algorithm.PDQ, random.Random(9))
    import_list(takedown, tmp_path, [imported], "helpline-b", "Helpline B")
    refresh_index(runtime)
    with transaction(runtime.sessions) as session:
        found = find_matches(
            session,
            bank=runtime.bank,
            image_url="https://img.example/b.jpg",
            fingerprints=[imported],
            reporting_case_id=world.case_id,
        )
        # Without a case that reported the image, an outside list's hit has nobody to be for.
        assert (
            find_matches(
                session,
                bank=runtime.bank,
                image_url="https://img.example/b.jpg",
                fingerprints=[imported],
            )
            == []
        )
    assert [(m.case_id, m.distance) for m in found] == [(world.case_id, 0)]
    [match_id] = add_report(
        runtime,
        case_id=world.case_id,
        page_url="https://board.example/t/1",
        image_url="https://img.example/b.jpg",
        found=[(found[0].fingerprint_id, imported, 0)],
    )
    page = carol.client.get("/console/queue").text
    card = page.split(f'id="match-{match_id}"')[1].split("</article>")[0]
    assert "helpline-b, from Helpline B" in card
    assert "An outside list, not this victim" in card
    victims_card = page.split(f'id="match-{world.match_ids[0]}"')[1].split("</article>")[0]
    assert "The victims&#39; bank" in victims_card
    assert imported.hex not in page
    case_page = carol.client.get(f"/console/cases/{world.case_id}").text
    row = case_page.split("https://img.example/b.jpg")[1].split("</tr>")[0]
    assert "Matched the outside list helpline-b, from Helpline B" in row
    assert "outside list" not in case_page.split("https://img.example/b.jpg")[0]
