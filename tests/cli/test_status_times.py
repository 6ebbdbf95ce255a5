"""`takedown status` tells times in the user's own time zone, and names the zone."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.factories import image_set, wire
from tests.harness import TAKEDOWN


def open_case(live_server: str, tmp_path: Path) -> tuple[Path, dict[str, object]]:
    body = httpx.post(f"{live_server}/v1/cases", json=wire(image_set(random.Random(3), 1))).json()
    saved = tmp_path / "case.json"
    saved.write_text(
        json.dumps({"server": live_server, "case_id": body["case_id"], "pin": body["pin"]})
    )
    status = httpx.get(f"{live_server}/v1/case", auth=(body["case_id"], body["pin"])).json()
    return saved, status


@pytest.mark.parametrize(
    ("zone", "abbreviation"), [("Europe/Amsterdam", "CE[S]?T"), ("America/New_York", "E[SD]T")]
)
def test_status_prints_times_in_the_local_zone_with_its_name(
    live_server: str, tmp_path: Path, zone: str, abbreviation: str
) -> None:
    saved, status = open_case(live_server, tmp_path)
    result = subprocess.run(
        [TAKEDOWN, "status", "--credentials", str(saved)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": zone},
    )
    assert result.returncode == 0, result.stderr
    opened = datetime.fromisoformat(str(status["created_at"])).astimezone(ZoneInfo(zone))
    expected = opened.strftime("%Y-%m-%d %H:%M %Z")
    assert re.fullmatch(abbreviation, opened.strftime("%Z"))
    assert f"Opened: {expected}\n" in result.stdout
    [first_event] = [line for line in result.stdout.splitlines() if line.startswith("  ")][:1]
    assert first_event.startswith(f"  {expected}  ")
