"""The victim CLI: hash images on this device and talk to the service with fingerprints only.

Nothing here uploads a file: the only bytes sent are the JSON bodies of fingerprints built by
``fingerprint_entries``, which ``--dry-run`` prints verbatim.
"""

from __future__ import annotations

import argparse
import getpass
import http.client
import json
import os
import shlex
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from hashing.algorithms import HashedFile, hash_file
from hashing.batches import (
    DEFAULT_PER_REQUEST,
    DEFAULT_PHOTOS_PER_REQUEST,
    Photo,
    PhotoTooLarge,
    counted,
    entry_keys,
    kind_of,
    next_batch,
    summary,
)
from hashing.images import victim_formats
from hashing.ledger import Ledger, ledger_path, write_private
from hashing.progress import ProgressBar
from hashing.translations import (
    N_,
    activate,
    active_locale,
    gettext,
    locale_from_environment,
    ngettext,
)
from hashing.videofiles import video_body, video_entry, video_photo, video_progress
from hashing.videos import HashedVideo, hash_video_file, looks_like_video

DEFAULT_SERVER = "http://127.0.0.1:8000"
REQUEST_TIMEOUT_SECONDS = 60
#: The service's limit per report; more URLs are refused here rather than split silently.
MAX_URLS_PER_REPORT = 100
#: How long `takedown report` follows a report before saying where to look later.
FOLLOW_REPORT_SECONDS = 15 * 60
FIRST_POLL_SECONDS = 2.0
LONGEST_POLL_SECONDS = 15.0
#: A 429 or 503 that asks to wait at most this long is waited out, up to WAIT_RETRIES times.
LONGEST_WAIT_SECONDS = 120
WAIT_RETRIES = 3
DRY_RUN_HELP = N_(
    "print the exact request bodies, one JSON document a request of at most {count} "
    "fingerprints (a service with a lower limit gets smaller ones), then one a video with its "
    "vPDQ fingerprints"
)


#: The service's case states and notification channels, in words for the catalogue.
STATES = {"active": N_("active"), "withdrawn": N_("withdrawn")}
CHANNELS = {"email": N_("e-mail"), "webhook": N_("webhook")}


def _yes(answer: str) -> bool:
    """Whether an answer to a [y/N] question is yes, in English or this terminal's language."""
    said = answer.strip().lower()
    return said in ("y", "yes") or said in (gettext("y"), gettext("yes"))


class CliError(Exception):
    """A problem to report to the user in one sentence, exiting with status 1."""


def iter_files(paths: Sequence[str]) -> Iterator[Path]:
    """Files named directly, and every file under named folders, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            yield path
        else:
            raise CliError(gettext("{path}: no such file or folder").format(path=raw))


def hash_paths(
    paths: Sequence[str], label: str = "hashing"
) -> Iterator[tuple[Path, HashedFile | HashedVideo]]:
    """Hash every file on this device, showing progress on stderr (by seconds for a video)."""
    files = list(iter_files(paths))
    if not files:
        raise CliError(gettext("no files to hash"))
    progress = ProgressBar(len(files), gettext(label))
    for path in files:
        data = path.read_bytes()
        if looks_like_video(data):
            yield path, hash_video_file(data, progress=video_progress(path))
        else:
            yield path, hash_file(data, formats=victim_formats())
        progress.advance()


def fingerprint_entries(hashed: HashedFile) -> list[dict[str, Any]]:
    """The wire form of one file's fingerprints; those of its crops and trimmed copies are
    marked ``derived`` (next_batch adds the photo's position in its request)."""
    entries: list[dict[str, Any]] = []
    for fingerprint in hashed.fingerprints:
        entry: dict[str, Any] = {"algorithm": fingerprint.algorithm.value, "value": fingerprint.hex}
        if fingerprint.algorithm.value == "pdq" and hashed.pdq_quality is not None:
            entry["quality"] = hashed.pdq_quality
        entries.append(entry)
    entries += [
        {"algorithm": fp.algorithm.value, "value": fp.hex, "derived": True}
        for fp in hashed.variants
    ]
    return entries


def hash_photos(paths: Sequence[str], ledger: Ledger) -> tuple[list[Photo], int]:
    """Hash every file the ledger does not list as sent; returns them and how many were skipped.

    A listed file is only read for its keyed digest, which is much cheaper than hashing it.
    """
    files = list(iter_files(paths))
    if not files:
        raise CliError(gettext("no files to hash"))
    progress = ProgressBar(len(files), gettext("hashing"))
    photos: list[Photo] = []
    for path in files:
        data = path.read_bytes()
        digest = ledger.digest(data)
        if digest not in ledger.sent and looks_like_video(data):
            photos.append(video_photo(path, digest, data))
        elif digest not in ledger.sent:
            hashed = hash_file(data, formats=victim_formats())
            _warn_refusals(path, hashed)
            entries = tuple(fingerprint_entries(hashed))
            photos.append(Photo(str(path), digest, entries, kind_of(hashed)))
        progress.advance()
    return photos, len(files) - len(photos)


def _print_bodies(photos: list[Photo]) -> None:
    seen: set[str] = set()
    videos = [photo for photo in photos if photo.video is not None]
    while photos:
        batch, entries = _plan(photos, DEFAULT_PER_REQUEST, DEFAULT_PHOTOS_PER_REQUEST, seen)
        print(json.dumps({"fingerprints": entries}, indent=2))
        seen |= entry_keys(entries)
        photos = photos[len(batch) :]
    # Sent to /v1/case/videos once the case holds the files' digests, as Sending does.
    for video in videos:
        print(json.dumps(video_body(video), indent=2))


def _plan(
    photos: list[Photo], per_request: int, photos_per_request: int, seen: set[str]
) -> tuple[list[Photo], list[dict[str, Any]]]:
    try:
        return next_batch(photos, per_request, seen, photos_per_request)
    except PhotoTooLarge as error:
        raise CliError(str(error)) from None


def _warn_refusals(path: Path, hashed: HashedFile) -> None:
    for refusal in hashed.refused:
        print(f"{path}: {refusal.algorithm}: {refusal.message}", file=sys.stderr)


def command_hash(args: argparse.Namespace) -> int:
    """Print one JSON line per file with its fingerprints."""
    for path, hashed in hash_paths(args.paths):
        if isinstance(hashed, HashedVideo):
            print(json.dumps({"file": str(path), **video_entry(hashed)}), flush=True)
            continue
        line = {
            "file": str(path),
            "fingerprints": fingerprint_entries(hashed),
            "refused": [
                {"algorithm": r.algorithm, "reason": r.reason, "message": r.message}
                for r in hashed.refused
            ],
        }
        print(json.dumps(line), flush=True)
    return 0


class Refused(CliError):
    """The service answered with an error; ``status`` and ``error`` (its JSON) say which."""

    def __init__(self, message: str, status: int, error: dict[str, Any]) -> None:
        super().__init__(message)
        self.status = status
        self.error = error


class Client:
    """A minimal JSON client for the service's victim endpoints (stdlib only)."""

    def __init__(self, server: str) -> None:
        self.server = server.rstrip("/")

    def call(
        self, method: str, path: str, body: Any = None, auth: tuple[str, str] | None = None
    ) -> Any:
        """Send one request, waiting out a short 429 or 503; return its JSON or raise CliError."""
        for _attempt in range(WAIT_RETRIES):
            try:
                return self._call_once(method, path, body, auth)
            except Refused as refused:
                wait = refused.error.get("retry_after_seconds")
                if not isinstance(wait, int):
                    raise
                print(
                    gettext("The service asks to wait {seconds} s; waiting.").format(seconds=wait),
                    file=sys.stderr,
                )
                time.sleep(wait)
        return self._call_once(method, path, body, auth)

    def _call_once(self, method: str, path: str, body: Any, auth: tuple[str, str] | None) -> Any:
        if not self.server.startswith(("http://", "https://")):
            raise CliError(
                gettext("--server must be an http or https URL, got {server!r}").format(
                    server=self.server
                )
            )
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.server + path, data=data, method=method)  # noqa: S310
        request.add_header("Accept", "application/json")
        # The service tells timelines and progress in this terminal's language.
        request.add_header("Accept-Language", active_locale())
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if auth is not None:
            token = b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise _refusal(error) from None
        except urllib.error.URLError as error:
            raise CliError(
                gettext("cannot reach {server}: {reason}").format(
                    server=self.server, reason=error.reason
                )
            ) from None
        except (OSError, http.client.HTTPException) as error:
            # A connection dropped after the request went out: urllib does not wrap these.
            raise CliError(
                gettext("lost the connection to {server}: {error!r}").format(
                    server=self.server, error=error
                )
            ) from None


def _refusal(error: urllib.error.HTTPError) -> Refused:
    try:
        detail = json.loads(error.read())["error"]
        if not isinstance(detail, dict):
            raise TypeError(detail)
    except (ValueError, KeyError, TypeError):
        return Refused(
            gettext("the server answered {status}").format(status=error.code), error.code, {}
        )
    retry_after = (error.headers.get("Retry-After") or "").strip()
    if error.code in (429, 503) and retry_after.isdigit():
        if int(retry_after) <= LONGEST_WAIT_SECONDS:
            detail["retry_after_seconds"] = int(retry_after)
    return Refused(_server_message(error.code, detail), error.code, detail)


def _server_message(code: int, detail: dict[str, Any]) -> str:
    if detail.get("code") == "case_not_found" and detail.get("retry_at"):
        # The service's sentence, with its time told in this device's time zone.
        retry_at = datetime.fromisoformat(detail["retry_at"]).astimezone()
        sentence = gettext(
            "No case matches this case ID and PIN, or the case is paused after too many wrong "
            "PINs. Check both; if it is paused, try again after {time}."
        ).format(time=f"{retry_at:%H:%M}")
        return f"{sentence} (HTTP {code})"
    # The service's sentence, in this terminal's language when the catalogue has it.
    message = gettext(detail["message"]) if detail.get("message") else gettext("request refused")
    lines = [f"{message} (HTTP {code})"]
    # Reported URLs are numbered from 1, as the user listed them; fingerprints by their index.
    urls = detail.get("code") == "invalid_urls"
    lines += [
        "  " + gettext("URL {number}: {reason}").format(number=d["index"] + 1, reason=d["reason"])
        if urls
        else "  "
        + gettext("fingerprint {number}: {reason}").format(number=d["index"], reason=d["reason"])
        for d in detail.get("details", [])
        if "index" in d
    ]
    return "\n".join(lines)


def _saved(path: str) -> dict[str, str]:
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        return {key: str(saved[key]) for key in ("case_id", "pin", "server") if key in saved}
    except (OSError, ValueError, AttributeError, TypeError):
        raise CliError(
            gettext("{path}: not a credentials file saved by `takedown submit`").format(path=path)
        ) from None


def _credentials(args: argparse.Namespace) -> tuple[str, str]:
    if args.credentials:
        saved = _saved(args.credentials)
        return saved["case_id"], saved["pin"]
    case_id = args.case or os.environ.get("TAKEDOWN_CASE_ID")
    if not case_id:
        raise CliError(gettext("give --case ID (or --credentials FILE saved by submit)"))
    pin = os.environ.get("TAKEDOWN_PIN") or getpass.getpass(gettext("PIN: "))
    return case_id, pin


def _server(args: argparse.Namespace) -> str:
    if args.server:
        return str(args.server)
    if getattr(args, "credentials", None):
        saved = json.loads(Path(args.credentials).read_text(encoding="utf-8"))
        if saved.get("server"):
            return str(saved["server"])
    # The full `takedown` command knows the service `takedown up` runs from this folder.
    local = getattr(args, "local_server", None)
    return os.environ.get("TAKEDOWN_SERVER") or local or DEFAULT_SERVER


def save_credentials(
    path: Path, server: str, case_id: str, pin: str, *, replace: bool = False
) -> None:
    """Write the case ID and PIN to a file only this user can read (a new file, unless replace)."""
    text = json.dumps({"server": server, "case_id": case_id, "pin": pin}) + "\n"
    try:
        write_private(path, text, replace=replace)
    except FileExistsError:
        raise CliError(
            gettext("{path} exists; choose another file name").format(path=path)
        ) from None


def command_submit(args: argparse.Namespace) -> int:
    """Hash locally, open a case with the first request and add the rest; print ID and PIN once."""
    if args.save and Path(args.save).exists():
        raise CliError(
            gettext("{path} exists; choose another file name for the case ID and PIN").format(
                path=args.save
            )
        )
    ledger = Ledger.new()
    photos, _ = hash_photos(args.paths, ledger)
    if args.dry_run:
        _print_bodies(photos)
        return 0
    print(summary(photos))
    if not any(photo.entries for photo in photos):
        raise CliError(gettext("none of these files gives a fingerprint to send"))
    server = _server(args)
    client = Client(server)
    sending = Sending(photos)
    opened = sending.send(lambda body: client.call("POST", "/v1/cases", body), ledger, first=True)
    case_id, pin = opened["case_id"], opened["pin"]
    print(gettext("Case ID: {case_id}").format(case_id=case_id))
    print(gettext("PIN:     {pin}").format(pin=pin))
    print(gettext("Keep the case ID and PIN safe: the PIN is shown only now."))
    print(
        gettext(
            "Recovery codes (each resets a lost PIN once; write them down and keep them apart):"
        )
    )
    for code in opened.get("recovery_codes", []):
        print(f"  {code}")
    # On screen (or in the caller's log) before anything else can fail or be interrupted.
    sys.stdout.flush()
    target = args.save or _ask_where_to_save()
    if target:
        save_credentials(Path(target), server, case_id, pin)
        ledger.attach(ledger_path(Path(target)), case_id)
        ledger.record(sending.done_digests)
        print(gettext("Saved to {path} (readable only by you).").format(path=target))
    resume = ["--credentials", target] if target else ["--case", case_id]
    sending.send_rest(
        lambda body: client.call("POST", "/v1/case/fingerprints", body, (case_id, pin)),
        ledger,
        resume=shlex.join(["takedown", "add", *args.paths, *resume]),
        post_video=lambda body: client.call("POST", "/v1/case/videos", body, (case_id, pin)),
    )
    if any(photo.is_video for photo in photos):
        print(
            ngettext(
                "Done: {files} is in case {case_id}.",
                "Done: {files} are in case {case_id}.",
                len(photos),
            ).format(files=counted(photos), case_id=case_id)
        )
        return 0
    print(
        ngettext(
            "Done: the photo is in case {case_id}.",
            "Done: all {count} photos are in case {case_id}.",
            len(photos),
        ).format(count=len(photos), case_id=case_id)
    )
    return 0


def _ask_where_to_save() -> str | None:
    if not sys.stdin.isatty():
        return None
    answer = input(gettext("Save the case ID and PIN to a file on this device? [y/N] "))
    if not _yes(answer):
        return None
    while True:
        target = input(gettext("File name [takedown-case.json]: ")).strip() or "takedown-case.json"
        if not Path(target).exists():
            return target
        print(gettext("{path} exists; choose another name.").format(path=target))


class Sending:
    """A run's photos on their way to a case, request by request, under the service's limit.

    A video is done, and listed in the ledger, only once its vPDQ fingerprint is in the case
    too: until then a re-run sends it again.
    """

    def __init__(self, photos: list[Photo]) -> None:
        self.remaining = list(photos)
        #: Videos whose digests are in the case and whose vPDQ fingerprint is not yet.
        self.videos: list[Photo] = []
        self.total = len(photos)
        self.per_request = DEFAULT_PER_REQUEST
        self.photos_per_request = DEFAULT_PHOTOS_PER_REQUEST
        self.seen: set[str] = set()
        self.done_digests: list[str] = []
        self.progress = ProgressBar(self.total, gettext("sending"))

    def send(self, post: Any, ledger: Ledger, *, first: bool = False) -> Any:
        """Send the next request (all of it, if not ``first``); the service's answer to the last."""
        answer = None
        while self.remaining:
            batch, entries = _plan(
                self.remaining, self.per_request, self.photos_per_request, self.seen
            )
            if not entries and not first:
                # Photos whose every fingerprint went out with an identical copy: nothing to send.
                self._done(batch, ledger)
                continue
            try:
                answer = post({"fingerprints": entries})
            except Refused as refused:
                if refused.status == 413 and self._lower_limits(refused.error):
                    continue
                raise
            self.seen |= entry_keys(entries)
            self._done(batch, ledger)
            if first:
                break
        return answer

    def _lower_limits(self, error: dict[str, Any]) -> bool:
        """Take the lower limits a 413 names; whether any was lower than the one used."""
        limit, photos = error.get("per_request"), error.get("photos_per_request")
        lowered = False
        if isinstance(limit, int) and 0 < limit < self.per_request:
            self.per_request, lowered = limit, True
        if isinstance(photos, int) and 0 < photos < self.photos_per_request:
            self.photos_per_request, lowered = photos, True
        return lowered

    def send_rest(self, post: Any, ledger: Ledger, *, resume: str, post_video: Any) -> None:
        """Send every remaining photo, then each video's vPDQ fingerprints; if stopped, say how
        to resume."""
        try:
            self.send(post, ledger)
            self.send_videos(post_video, ledger)
        except (CliError, KeyboardInterrupt) as error:
            if isinstance(error, Refused) and error.status < 500 and error.status != 429:
                raise  # refused as it stands (PIN, withdrawn case, limits): a re-run would be too
            print(
                ngettext(
                    "Stopped after {sent} of {total} photo; the case is open. Send the rest with:",
                    "Stopped after {sent} of {total} photos; the case is open. Send the rest with:",
                    self.total,
                ).format(sent=self.total - len(self.remaining) - len(self.videos), total=self.total)
                + f"\n  {resume}",
                file=sys.stderr,
            )
            raise

    def send_videos(self, post_video: Any, ledger: Ledger) -> None:
        """Bank each sent video's vPDQ fingerprints, one request a video, listing it when done."""
        while self.videos:
            video = self.videos[0]
            post_video(video_body(video))
            del self.videos[0]
            self.done_digests.append(video.digest)
            ledger.record([video.digest])

    def _done(self, batch: list[Photo], ledger: Ledger) -> None:
        del self.remaining[: len(batch)]
        settled = [photo for photo in batch if photo.video is None]
        self.videos += [photo for photo in batch if photo.video is not None]
        self.done_digests += [photo.digest for photo in settled]
        ledger.record(photo.digest for photo in settled)
        self.progress.advance(len(batch))


def command_status(args: argparse.Namespace) -> int:
    """Show the case's status."""
    status = Client(_server(args)).call("GET", "/v1/case", auth=_credentials(args))
    state = STATES.get(status["status"], status["status"])
    print(
        gettext("Case {case_id}: {state}").format(case_id=status["case_id"], state=gettext(state))
    )
    print(gettext("Opened: {time}").format(time=local_time(status["created_at"])))
    if status.get("withdrawn_at"):
        print(gettext("Withdrawn: {time}").format(time=local_time(status["withdrawn_at"])))
    print(gettext("Photos: {count}").format(count=status.get("photos", 0)))
    counts = ", ".join(f"{n} {algorithm}" for algorithm, n in status["fingerprints"].items())
    print(gettext("Fingerprints: {counts}").format(counts=counts or gettext("none")))
    if ungrouped := status.get("ungrouped_fingerprints"):
        print(
            ngettext(
                "Of these, {count} was sent without saying which photo it came from, so it is "
                "not counted as a photo.",
                "Of these, {count} were sent without saying which photo they came from, so they "
                "are not counted as photos.",
                ungrouped,
            ).format(count=ungrouped)
        )
    left = status["recovery_codes_left"]
    print(gettext("Recovery codes left: {count}").format(count=left))
    print(gettext("Timeline:"))
    for event in status["timeline"]:
        print(f"  {local_time(event['at'])}  {event['text']}")
    return 0


def local_time(iso: str) -> str:
    """A time the API sends (ISO 8601, UTC) in this computer's zone: "2026-12-06 19:04 CET"."""
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M %Z")


def command_recover(args: argparse.Namespace) -> int:
    """Set a new PIN with a recovery code; a credentials file gets the new PIN."""
    case_id = _saved(args.credentials)["case_id"] if args.credentials else args.case
    if not case_id:
        raise CliError(gettext("give --credentials FILE (saved by submit) or --case ID"))
    code = args.code or getpass.getpass(gettext("Recovery code: "))
    body = {"case_id": case_id, "recovery_code": code}
    server = _server(args)
    result = Client(server).call("POST", "/v1/case/recover", body)
    if args.credentials:
        save_credentials(
            Path(args.credentials), server, result["case_id"], result["pin"], replace=True
        )
        print(
            gettext("New PIN for case {case_id} saved to {path}.").format(
                case_id=result["case_id"], path=args.credentials
            )
        )
    else:
        print(
            gettext("New PIN for case {case_id}: {pin}").format(
                case_id=result["case_id"], pin=result["pin"]
            )
        )
    print(
        gettext("That recovery code is now used up; {count} left.").format(
            count=result["recovery_codes_left"]
        )
    )
    return 0


def command_add(args: argparse.Namespace) -> int:
    """Hash more images locally and add them to the case, skipping photos it already has."""
    credentials = _credentials(args)
    ledger = (
        Ledger.beside(Path(args.credentials), credentials[0]) if args.credentials else Ledger.new()
    )
    photos, skipped = hash_photos(args.paths, ledger)
    if skipped:
        print(
            ngettext(
                "{count} photo was sent to this case before (listed in {path}).",
                "{count} photos were sent to this case before (listed in {path}).",
                skipped,
            ).format(count=skipped, path=ledger.path)
        )
    if args.dry_run:
        _print_bodies(photos)
        return 0
    if not photos:
        print(gettext("Nothing new to add."))
        return 0
    print(summary(photos))
    client = Client(_server(args))
    sending = Sending(photos)
    resume = ["--credentials", args.credentials] if args.credentials else ["--case", credentials[0]]
    sending.send_rest(
        lambda body: client.call("POST", "/v1/case/fingerprints", body, credentials),
        ledger,
        resume=shlex.join(["takedown", "add", *args.paths, *resume]),
        post_video=lambda body: client.call("POST", "/v1/case/videos", body, credentials),
    )
    if any(photo.is_video for photo in photos):
        print(
            gettext("Done: {files} added to case {case_id}.").format(
                files=counted(photos), case_id=credentials[0]
            )
        )
        return 0
    print(
        ngettext(
            "Done: {count} photo added to case {case_id}.",
            "Done: {count} photos added to case {case_id}.",
            len(photos),
        ).format(count=len(photos), case_id=credentials[0])
    )
    return 0


def command_withdraw(args: argparse.Namespace) -> int:
    """Withdraw the case: the service deletes its fingerprints and tells platforms."""
    credentials = _credentials(args)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(
                gettext("withdrawing deletes every fingerprint of the case; add --yes to confirm")
            )
        answer = input(gettext("Withdraw this case and delete its fingerprints? [y/N] "))
        if not _yes(answer):
            print(gettext("Nothing was changed."))
            return 0
    result = Client(_server(args)).call("POST", "/v1/case/withdraw", {}, credentials)
    print(gettext("Case {case_id} withdrawn.").format(case_id=result["case_id"]))
    for line in withdrawn_lines(result):
        print(line)
    return 0


def withdrawn_lines(result: dict[str, Any]) -> list[str]:
    """What a withdrawal deleted, in photos and videos, as the service counted them."""
    photos, videos = result["photos_deleted"], result["videos_deleted"]
    ungrouped = result["ungrouped_deleted"]
    lines = []
    if photos or not (videos or ungrouped):
        lines.append(
            ngettext(
                "Deleted: the fingerprints of {count} photo.",
                "Deleted: the fingerprints of {count} photos.",
                photos,
            ).format(count=photos)
        )
    if videos:
        lines.append(
            ngettext(
                "Deleted: the fingerprints of {count} video.",
                "Deleted: the fingerprints of {count} videos.",
                videos,
            ).format(count=videos)
        )
    if ungrouped:
        lines.append(
            ngettext(
                "Deleted: {count} fingerprint sent without saying which photo it is of.",
                "Deleted: {count} fingerprints sent without saying which photo they are of.",
                ungrouped,
            ).format(count=ungrouped)
        )
    return lines


def command_notify(args: argparse.Namespace) -> int:
    """Show, choose or turn off where the service tells you that your case has news."""
    credentials = _credentials(args)
    client = Client(_server(args))
    if args.off:
        client.call("DELETE", "/v1/case/notifications", None, credentials)
        print(gettext("Notifications are off; the address was deleted."))
        return 0
    if args.email or args.webhook:
        body = {"email": args.email} if args.email else {"webhook": args.webhook}
        shown = client.call("PUT", "/v1/case/notifications", body, credentials)
    else:
        shown = client.call("GET", "/v1/case/notifications", None, credentials)
    if shown["channel"] is None:
        print(gettext("Notifications are off (choose one with --email or --webhook)."))
        return 0
    print(
        gettext("Notifications go by {channel} to {address}.").format(
            channel=gettext(CHANNELS.get(shown["channel"], shown["channel"])),
            address=shown["address"],
        )
    )
    print(gettext("They say only that there is news; read it with `takedown status`."))
    if shown.get("secret"):
        print(
            gettext("Webhook signing secret (shown once): {secret}").format(secret=shown["secret"])
        )
    if shown["failing"]:
        print(gettext("The last notification could not be delivered; check the address."))
    return 0


def read_urls(args: argparse.Namespace) -> list[str]:
    """The URLs given as arguments and in --file (one a line; blank lines and # comments
    skipped), each once, in order; CliError for one that is not an http(s) address."""
    given = [
        (gettext("argument {number}").format(number=n), url) for n, url in enumerate(args.urls, 1)
    ]
    if args.file:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as error:
            raise CliError(f"{args.file}: {error.strerror}") from None
        given += [
            (gettext("{file} line {number}").format(file=args.file, number=n), line.strip())
            for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.strip().startswith("#")
        ]
    for where, url in given:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CliError(
                gettext("{where}: {url!r} is not a web address starting with http(s)://").format(
                    where=where, url=url
                )
            )
    urls = list(dict.fromkeys(url for _, url in given))
    if not urls:
        raise CliError(gettext("give the URLs to report, as arguments or with --file"))
    if len(urls) > MAX_URLS_PER_REPORT:
        raise CliError(
            gettext(
                "{count} URLs; one report holds at most {max}, so nothing was sent. Report them "
                "in several runs of at most {max} each."
            ).format(count=len(urls), max=MAX_URLS_PER_REPORT)
        )
    return urls


def command_report(args: argparse.Namespace) -> int:
    """Report URLs where your images are (or follow an earlier report), told per URL in words."""
    credentials = _credentials(args)
    client = Client(_server(args))
    if args.follow:
        report = client.call("GET", _report_path(args.follow), None, credentials)
    else:
        body: dict[str, Any] = {"urls": read_urls(args)}
        if args.note:
            body["note"] = args.note
        report = client.call("POST", "/v1/reports", body, credentials)
        count = len(report["items"])
        print(
            ngettext(
                "Report {report_id}: {count} URL to check.",
                "Report {report_id}: {count} URLs to check.",
                count,
            ).format(report_id=report["report_id"], count=count),
            flush=True,
        )
    if args.no_wait:
        _print_items(report["items"], {})
        print(
            gettext("See how it goes with: {command}").format(
                command=f"takedown report --follow {report['report_id']}"
            )
        )
        return 0
    return _follow(client, credentials, report)


def _report_path(report_id: str) -> str:
    return f"/v1/reports/{quote(report_id, safe='')}"


def _print_items(items: list[dict[str, Any]], told: dict[str, str]) -> None:
    """Each URL whose sentence changed since it was last told."""
    for item in items:
        if told.get(item["url"]) != item["text"]:
            told[item["url"]] = item["text"]
            print(f"{item['url']}\n  {item['text']}", flush=True)


def _follow(client: Client, credentials: tuple[str, str], report: dict[str, Any]) -> int:
    later = gettext("{command} (or takedown status)").format(
        command=f"takedown report --follow {report['report_id']}"
    )
    told: dict[str, str] = {}
    give_up = time.monotonic() + FOLLOW_REPORT_SECONDS
    delay = FIRST_POLL_SECONDS
    try:
        while True:
            _print_items(report["items"], told)
            if all(item["finished"] for item in report["items"]):
                print(gettext("Every URL is checked."))
                return 0
            if time.monotonic() > give_up:
                print(
                    gettext("Still being checked. Look again later with: {command}").format(
                        command=later
                    )
                )
                return 0
            time.sleep(delay)
            delay = min(delay * 1.5, LONGEST_POLL_SECONDS)
            report = client.call("GET", _report_path(report["report_id"]), None, credentials)
    except KeyboardInterrupt:
        print(
            "\n"
            + gettext("Stopped waiting; the report goes on. Look later with: {command}").format(
                command=later
            ),
            flush=True,
        )
        return 130


def add_victim_commands(commands: Any) -> None:
    """Register hash, submit, status, add, recover, withdraw and notify on a subparsers object."""
    hash_cmd = commands.add_parser(
        "hash", help=gettext("print fingerprints of images and videos, as JSON lines")
    )
    hash_cmd.add_argument("paths", nargs="+", metavar="PATH", help=gettext("files or folders"))
    hash_cmd.set_defaults(func=command_hash)

    def case_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--server",
            help=gettext(
                "service URL (default: the one `takedown up` runs here, else {server})"
            ).format(server=DEFAULT_SERVER),
        )
        parser.add_argument("--case", help=gettext("case ID (the PIN is asked for)"))
        parser.add_argument("--credentials", metavar="FILE", help=gettext("file saved by submit"))

    submit = commands.add_parser("submit", help=gettext("hash images here and open a case"))
    submit.add_argument("paths", nargs="+", metavar="PATH")
    submit.add_argument(
        "--server",
        help=gettext(
            "service URL (default: the one `takedown up` runs here, else {server})"
        ).format(server=DEFAULT_SERVER),
    )
    submit.add_argument(
        "--dry-run",
        action="store_true",
        help=gettext(DRY_RUN_HELP).format(count=DEFAULT_PER_REQUEST),
    )
    submit.add_argument("--save", metavar="FILE", help=gettext("save the case ID and PIN to FILE"))
    submit.set_defaults(func=command_submit)

    status = commands.add_parser("status", help=gettext("show a case's status"))
    case_options(status)
    status.set_defaults(func=command_status)

    add = commands.add_parser("add", help=gettext("hash more images here and add them to a case"))
    add.add_argument("paths", nargs="+", metavar="PATH")
    case_options(add)
    add.add_argument(
        "--dry-run",
        action="store_true",
        help=gettext(DRY_RUN_HELP).format(count=DEFAULT_PER_REQUEST),
    )
    add.set_defaults(func=command_add)

    recover = commands.add_parser("recover", help=gettext("set a new PIN with a recovery code"))
    case_options(recover)
    recover.add_argument("--code", help=gettext("the recovery code (asked for if left out)"))
    recover.set_defaults(func=command_recover)

    withdraw = commands.add_parser(
        "withdraw", help=gettext("withdraw a case and delete its fingerprints")
    )
    case_options(withdraw)
    withdraw.add_argument("--yes", action="store_true", help=gettext("do not ask for confirmation"))
    withdraw.set_defaults(func=command_withdraw)

    report = commands.add_parser(
        "report",
        help=gettext("report URLs where your images are; each is checked and told in words"),
        description=gettext(
            "Report up to {max} URLs (more are refused: run it again for the rest). Follows each "
            "URL until it is checked unless --no-wait; Ctrl-C stops waiting, not the report."
        ).format(max=MAX_URLS_PER_REPORT),
    )
    report.add_argument("urls", nargs="*", metavar="URL", help=gettext("pages or images"))
    report.add_argument(
        "--file", metavar="F", help=gettext("more URLs, one a line (# comments skipped)")
    )
    report.add_argument(
        "--note", metavar="TEXT", help=gettext("a note for the caseworker (stored sealed)")
    )
    report.add_argument(
        "--no-wait", action="store_true", help=gettext("print the report ID and stop")
    )
    report.add_argument(
        "--follow", metavar="REPORT_ID", help=gettext("follow an earlier report instead")
    )
    case_options(report)
    report.set_defaults(func=command_report)

    notify = commands.add_parser(
        "notify", help=gettext("be told when your case has news (off unless you choose a channel)")
    )
    case_options(notify)
    channel = notify.add_mutually_exclusive_group()
    channel.add_argument("--email", metavar="ADDRESS", help=gettext("send a short e-mail on news"))
    channel.add_argument(
        "--webhook", metavar="URL", help=gettext("POST a signed note to an https URL")
    )
    channel.add_argument("--off", action="store_true", help=gettext("stop and delete the address"))
    notify.set_defaults(func=command_notify)


def build_parser() -> argparse.ArgumentParser:
    """The victim-only parser (python -m hashing)."""
    parser = argparse.ArgumentParser(prog="takedown", description=__doc__.splitlines()[0])
    add_victim_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse and dispatch, turning CliError into a message and exit status 1."""
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except CliError as error:
        print(f"takedown: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except EOFError:
        # Ctrl-D, or no input at all, at a question or a PIN or password prompt.
        print(
            "\ntakedown: " + gettext("the input ended before an answer; stopped there"),
            file=sys.stderr,
        )
        return 1
    except BrokenPipeError:
        # The reader went away (`takedown hash photos/ | head`): stop quietly, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of python -m hashing."""
    activate(locale_from_environment(os.environ))
    return run(build_parser(), argv)
