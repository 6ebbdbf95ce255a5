"""`takedown report`: URLs from arguments and a file, followed per URL in words until checked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from casework.models import Report
from casework.runtime import Runtime
from hashing.cli import main
from hashing.images import decode_image
from tests.factories import open_case_for_files, usable_corpus_images
from tests.harness import TAKEDOWN, ContentServer, ctrl_c_works, encode
from tests.jobs import run_jobs
from workers.context import WorkerContext

NOTE = "They were posted by my ex."


def saved_case(live_server: str, tmp_path: Path) -> Path:
    """A victim's case with one corpus photo, saved as `takedown submit --save` saves it."""
    with httpx.Client(base_url=live_server, timeout=30) as api:
        case_id, pin = open_case_for_files(api, usable_corpus_images(1))
    saved = tmp_path / "case.json"
    saved.write_text(json.dumps({"server": live_server, "case_id": case_id, "pin": pin}))
    return saved


def leaks(content_server: ContentServer) -> list[str]:
    photo = decode_image(usable_corpus_images(1)[0].read_bytes())
    return [
        content_server.add("/leak.jpg", "image/jpeg", encode(photo, "JPEG", quality=75)),
        content_server.add("/empty.html", "text/html", b"<html><body>nothing</body></html>"),
        content_server.base + "/deleted",
    ]


def start_report(*args: str) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TAKEDOWN_")}
    return subprocess.Popen(
        [TAKEDOWN, "report", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        preexec_fn=ctrl_c_works,
    )


def wait_for_report(runtime: Runtime) -> Report:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with runtime.sessions() as session:
            found = session.scalars(select(Report)).first()
            if found is not None:
                return found
        time.sleep(0.1)
    raise AssertionError("the command stored no report")


def test_report_sends_urls_from_arguments_and_a_file_and_follows_each_until_checked(
    live_server: str,
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
    tmp_path: Path,
) -> None:
    saved = saved_case(live_server, tmp_path)
    urls = leaks(content_server)
    listed = tmp_path / "urls.txt"
    listed.write_text(f"# found on Tuesday\n{urls[1]}\n\n  {urls[2]}  \n{urls[0]}\n")
    command = start_report(
        urls[0], "--file", str(listed), "--note", NOTE, "--credentials", str(saved)
    )
    report = wait_for_report(runtime)
    run_jobs(runtime)
    out, err = command.communicate(timeout=120)

    assert command.returncode == 0, err
    assert out.startswith(f"Report {report.public_id}: 3 URLs to check.\n")
    # Each URL is told first as waiting, then once more when its sentence changes.
    assert f"{urls[0]}\n  Waiting to be checked.\n" in out
    assert f"{urls[0]}\n  Checked: 1 image matching yours found.\n" in out
    assert f"{urls[1]}\n  Checked: no images found at this address.\n" in out
    assert (
        f"{urls[2]}\n  Could not be checked because the website answered with an error "
        "instead of the page.\n"
    ) in out
    assert out.endswith("Every URL is checked.\n")
    assert "http_error" not in out
    assert report.note_sealed is not None
    assert runtime.vault.open_text(report.note_sealed) == NOTE


def test_ctrl_c_stops_waiting_but_not_the_report_which_can_be_followed_later(
    live_server: str,
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    saved = saved_case(live_server, tmp_path)
    urls = leaks(content_server)
    command = start_report(*urls, "--credentials", str(saved))
    report = wait_for_report(runtime)
    assert command.stdout is not None
    assert command.stdout.readline() == f"Report {report.public_id}: 3 URLs to check.\n"
    command.send_signal(signal.SIGINT)
    out, _ = command.communicate(timeout=60)
    assert command.returncode == 130
    assert out.endswith(
        f"Stopped waiting; the report goes on. Look later with: takedown report --follow "
        f"{report.public_id} (or takedown status)\n"
    )

    run_jobs(runtime)
    assert main(["report", "--follow", report.public_id, "--credentials", str(saved)]) == 0
    followed = capsys.readouterr().out
    assert f"{urls[0]}\n  Checked: 1 image matching yours found.\n" in followed
    assert followed.endswith("Every URL is checked.\n")


def test_more_than_100_urls_or_a_line_that_is_no_url_is_refused_before_sending(
    live_server: str, runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = saved_case(live_server, tmp_path)
    many = tmp_path / "many.txt"
    many.write_text("".join(f"https://leaks.example/{n}\n" for n in range(101)))
    assert main(["report", "--file", str(many), "--credentials", str(saved)]) == 1
    assert (
        "101 URLs; one report holds at most 100, so nothing was sent. Report them in several "
        "runs of at most 100 each."
    ) in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("https://leaks.example/1\nforum.example/thread\n")
    assert main(["report", "--file", str(bad), "--credentials", str(saved)]) == 1
    assert f"{bad} line 2: 'forum.example/thread' is not a web address" in capsys.readouterr().err
    assert main(["report", "--credentials", str(saved), "--no-wait"]) == 1
    assert "give the URLs to report" in capsys.readouterr().err
    with runtime.sessions() as session:
        assert session.scalars(select(Report)).all() == []


def test_no_wait_prints_the_report_and_how_to_follow_it(
    live_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = saved_case(live_server, tmp_path)
    url = "https://leaks.example/album/1"
    assert main(["report", url, "--credentials", str(saved), "--no-wait"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Report ") and out[0].endswith(": 1 URL to check.")
    report_id = out[0].split()[1].rstrip(":")
    assert out[1:] == [
        url,
        "  Waiting to be checked.",
        f"See how it goes with: takedown report --follow {report_id}",
    ]
