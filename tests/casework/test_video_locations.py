"""How a notice names a video: its URL, the times that matched as mm:ss, and its page."""

from __future__ import annotations

from casework.models import Match, ReportItem, VideoMatch
from casework.notices.takedowns import Confirmed, locations_text
from casework.reports.videos import clock, clock_ranges


def test_times_in_a_video_read_as_minutes_and_seconds_and_hours_past_an_hour() -> None:
    assert [clock(0.0), clock(9.9), clock(72.0), clock(220.0), clock(3725.9)] == [
        "00:00",
        "00:09",
        "01:12",
        "03:40",
        "1:02:05",
    ]
    assert clock_ranges("72.0-220.0,300.0-311.0") == "01:12-03:40, 05:00-05:11"
    assert clock_ranges("") == ""


def test_a_notice_names_a_video_with_its_times_and_an_image_by_its_url() -> None:
    page = ReportItem(url="https://tube.example/watch/1")
    video = VideoMatch(video_url="https://cdn.tube.example/v/1.mp4", ranges="72.0-220.0")
    image = Match(image_url="https://tube.example/watch/1")

    text = locations_text(
        [Confirmed(page, video=video), Confirmed(page, video=video), Confirmed(page, match=image)]
    )

    assert text.splitlines() == [
        "- the video at https://cdn.tube.example/v/1.mp4, 01:12-03:40, matches a video the "
        "person depicted reported",
        "  found on the page https://tube.example/watch/1",
        "- https://tube.example/watch/1",
    ]
