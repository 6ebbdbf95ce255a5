"""The victim's CLI journey: a large folder, a leak told per image, recovery, withdrawal."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from tests.harness import ContentServer
from tests.journeys.conftest import Installation, leak_page

IMAGES = Path(__file__).resolve().parents[1] / "vectors" / "pdq" / "images"
#: Detailed photos of the PDQ vectors; each gives several distinct photos by cropping.
SOURCES = ["aaa-orig.jpg", "bridge-2-rotate-90.jpg", "CMYK.jpg"]


def photo_folder(folder: Path) -> list[Path]:
    """More photos than one request to the service may carry (its limit is 100 photos)."""
    folder.mkdir()
    made = []
    for name in SOURCES:
        with Image.open(IMAGES / name) as source:
            image = source.convert("RGB")
        width, height = image.size
        for step in range(40):
            box = (step * width // 160, step * height // 200, width, height)
            path = folder / f"{Path(name).stem}-{step:02d}.jpg"
            image.crop(box).resize((360, 360)).save(path, quality=90)
            made.append(path)
    return made


def test_a_victim_protects_a_large_folder_reports_a_leak_recovers_the_pin_and_withdraws(
    installation: Installation, tmp_path: Path
) -> None:
    photos = photo_folder(tmp_path / "photos")
    submitted = installation.takedown("submit", str(tmp_path / "photos"), "--save", "case.json")
    assert f"{len(photos)} photos" in submitted.stdout
    assert "fingerprints" not in submitted.stdout
    case = json.loads((installation.folder / "case.json").read_text())
    codes = [line.strip() for line in submitted.stdout.splitlines() if line.startswith("  ")]
    assert len(codes) == 6

    # A re-run of add after everything was sent has nothing left to send.
    again = installation.takedown("add", str(tmp_path / "photos"), "--credentials", "case.json")
    assert "nothing" in again.stdout.lower() or "already" in again.stdout.lower()

    leak = ContentServer()
    try:
        page = leak_page(leak, photos[5])
        reported = installation.takedown(
            "report", page, "--note", "posted by my ex", "--credentials", "case.json"
        )
        told = reported.stdout
        assert page in told and "Every URL is checked." in told
        assert "1 image" in told, told
    finally:
        leak.close()

    status = installation.takedown("status", "--credentials", "case.json").stdout
    assert case["case_id"] in status
    stored = status.split("Fingerprints:")[1].splitlines()[0]
    # More photos than one request may carry, in one case: the CLI split the folder, and each
    # photo counts once however many crop fingerprints it brought.
    assert f"Photos: {len(photos)}\n" in status
    assert sum(int(part.split()[0]) for part in stored.split(",")) > 4 * len(photos)
    assert status.count("possible copy") == 1

    recovered = installation.takedown("recover", "--credentials", "case.json", "--code", codes[0])
    assert "New PIN" in recovered.stdout
    renewed = json.loads((installation.folder / "case.json").read_text())
    assert renewed["pin"] != case["pin"]
    assert case["case_id"] in installation.takedown("status", "--credentials", "case.json").stdout

    withdrawn = installation.takedown("withdraw", "--credentials", "case.json", "--yes")
    assert "withdrawn" in withdrawn.stdout
    after = installation.takedown("status", "--credentials", "case.json").stdout
    assert "withdrawn" in after.lower()
