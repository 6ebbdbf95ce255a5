"""The victim CLI: hash images on this device and talk to the service with fingerprints only.

Nothing here uploads a file: the only bytes sent are the JSON bodies built by
``fingerprint_payload``, which ``--dry-run`` prints verbatim.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from hashing.algorithms import HashedFile, hash_file
from hashing.images import victim_formats
from hashing.progress import ProgressBar

DEFAULT_SERVER = "http://127.0.0.1:8000"
REQUEST_TIMEOUT_SECONDS = 60


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
            raise CliError(f"{raw}: no such file or folder")


def hash_paths(paths: Sequence[str], label: str = "hashing") -> Iterator[tuple[Path, HashedFile]]:
    """Hash every file on this device, showing progress on stderr."""
    files = list(iter_files(paths))
    if not files:
        raise CliError("no files to hash")
    progress = ProgressBar(len(files), label)
    for path in files:
        yield path, hash_file(path.read_bytes(), formats=victim_formats())
        progress.advance()


def fingerprint_entries(hashed: HashedFile) -> list[dict[str, Any]]:
    """The wire form of one file's fingerprints."""
    entries: list[dict[str, Any]] = []
    for fingerprint in hashed.fingerprints:
        entry: dict[str, Any] = {"algorithm": fingerprint.algorithm.value, "value": fingerprint.hex}
        if fingerprint.algorithm.value == "pdq" and hashed.pdq_quality is not None:
            entry["quality"] = hashed.pdq_quality
        entries.append(entry)
    entries += [{"algorithm": fp.algorithm.value, "value": fp.hex} for fp in hashed.variants]
    return entries


def fingerprint_payload(paths: Sequence[str]) -> dict[str, Any]:
    """The request body for submit/add: fingerprints only, no names, no bytes."""
    fingerprints: list[dict[str, Any]] = []
    for path, hashed in hash_paths(paths):
        _warn_refusals(path, hashed)
        fingerprints.extend(fingerprint_entries(hashed))
    return {"fingerprints": fingerprints}


def _warn_refusals(path: Path, hashed: HashedFile) -> None:
    for refusal in hashed.refused:
        print(f"{path}: {refusal.algorithm}: {refusal.message}", file=sys.stderr)


def command_hash(args: argparse.Namespace) -> int:
    """Print one JSON line per file with its fingerprints."""
    for path, hashed in hash_paths(args.paths):
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


class Client:
    """A minimal JSON client for the service's victim endpoints (stdlib only)."""

    def __init__(self, server: str) -> None:
        self.server = server.rstrip("/")

    def call(
        self, method: str, path: str, body: Any = None, auth: tuple[str, str] | None = None
    ) -> Any:
        """Send one request; return its JSON or raise CliError with the server's words."""
        if not self.server.startswith(("http://", "https://")):
            raise CliError(f"--server must be an http or https URL, got {self.server!r}")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.server + path, data=data, method=method)  # noqa: S310
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if auth is not None:
            token = b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise CliError(_server_message(error)) from None
        except urllib.error.URLError as error:
            raise CliError(f"cannot reach {self.server}: {error.reason}") from None


def _server_message(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read())["error"]
    except (ValueError, KeyError, TypeError):
        return f"the server answered {error.code}"
    lines = [f"{detail.get('message', 'request refused')} (HTTP {error.code})"]
    lines += [
        f"  fingerprint {d['index']}: {d['reason']}"
        for d in detail.get("details", [])
        if "index" in d
    ]
    return "\n".join(lines)


def _credentials(args: argparse.Namespace) -> tuple[str, str]:
    if args.credentials:
        saved = json.loads(Path(args.credentials).read_text(encoding="utf-8"))
        return saved["case_id"], saved["pin"]
    case_id = args.case or os.environ.get("TAKEDOWN_CASE_ID")
    if not case_id:
        raise CliError("give --case ID (or --credentials FILE saved by submit)")
    pin = os.environ.get("TAKEDOWN_PIN") or getpass.getpass("PIN: ")
    return case_id, pin


def _server(args: argparse.Namespace) -> str:
    if args.server:
        return str(args.server)
    if getattr(args, "credentials", None):
        saved = json.loads(Path(args.credentials).read_text(encoding="utf-8"))
        if saved.get("server"):
            return str(saved["server"])
    return os.environ.get("TAKEDOWN_SERVER", DEFAULT_SERVER)


def save_credentials(path: Path, server: str, case_id: str, pin: str) -> None:
    """Write the case ID and PIN to a file only this user can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"server": server, "case_id": case_id, "pin": pin}, handle)
        handle.write("\n")


def command_submit(args: argparse.Namespace) -> int:
    """Hash locally, open a case with the fingerprints, print the case ID and PIN once."""
    payload = fingerprint_payload(args.paths)
    if args.dry_run:
        print(json.dumps(payload, indent=2))
        return 0
    server = _server(args)
    opened = Client(server).call("POST", "/v1/cases", payload)
    print(f"Case ID: {opened['case_id']}")
    print(f"PIN:     {opened['pin']}")
    print(
        f"{opened['added']} fingerprints stored. Keep the case ID and PIN safe: the PIN is shown "
        "only now."
    )
    print("Recovery codes (each resets a lost PIN once; write them down and keep them apart):")
    for code in opened.get("recovery_codes", []):
        print(f"  {code}")
    target = args.save
    if target is None and sys.stdin.isatty():
        answer = input("Save the case ID and PIN to a file on this device? [y/N] ").strip().lower()
        if answer in ("y", "yes"):
            target = input("File name [takedown-case.json]: ").strip() or "takedown-case.json"
    if target:
        save_credentials(Path(target), server, opened["case_id"], opened["pin"])
        print(f"Saved to {target} (readable only by you).")
    return 0


def command_status(args: argparse.Namespace) -> int:
    """Show the case's status."""
    status = Client(_server(args)).call("GET", "/v1/case", auth=_credentials(args))
    print(f"Case {status['case_id']}: {status['status']}")
    print(f"Opened: {local_time(status['created_at'])}")
    if status.get("withdrawn_at"):
        print(f"Withdrawn: {local_time(status['withdrawn_at'])}")
    counts = ", ".join(f"{n} {algorithm}" for algorithm, n in status["fingerprints"].items())
    print(f"Fingerprints: {counts or 'none'}")
    print(f"Recovery codes left: {status['recovery_codes_left']}")
    print("Timeline:")
    for event in status["timeline"]:
        print(f"  {local_time(event['at'])}  {event['text']}")
    return 0


def local_time(iso: str) -> str:
    """A time the API sends (ISO 8601, UTC) in this computer's zone: "2026-12-06 19:04 CET"."""
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M %Z")


def command_recover(args: argparse.Namespace) -> int:
    """Set a new PIN with a recovery code printed when the case was opened."""
    if not args.case:
        raise CliError("give --case ID")
    code = args.code or getpass.getpass("Recovery code: ")
    body = {"case_id": args.case, "recovery_code": code}
    result = Client(_server(args)).call("POST", "/v1/case/recover", body)
    print(f"New PIN for case {result['case_id']}: {result['pin']}")
    print(f"That recovery code is now used up; {result['recovery_codes_left']} left.")
    return 0


def command_add(args: argparse.Namespace) -> int:
    """Hash more images locally and add their fingerprints to the case."""
    credentials = _credentials(args)
    payload = fingerprint_payload(args.paths)
    if args.dry_run:
        print(json.dumps(payload, indent=2))
        return 0
    result = Client(_server(args)).call("POST", "/v1/case/fingerprints", payload, credentials)
    print(f"{result['added']} fingerprints added ({result['duplicates']} were already there).")
    return 0


def command_withdraw(args: argparse.Namespace) -> int:
    """Withdraw the case: the service deletes its fingerprints and tells platforms."""
    credentials = _credentials(args)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(
                "withdrawing deletes every fingerprint of the case; add --yes to confirm"
            )
        answer = input("Withdraw this case and delete its fingerprints? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("Nothing was changed.")
            return 0
    result = Client(_server(args)).call("POST", "/v1/case/withdraw", {}, credentials)
    print(
        f"Case {result['case_id']} withdrawn; "
        f"{result['fingerprints_deleted']} fingerprints deleted."
    )
    return 0


def command_notify(args: argparse.Namespace) -> int:
    """Show, choose or turn off where the service tells you that your case has news."""
    credentials = _credentials(args)
    client = Client(_server(args))
    if args.off:
        client.call("DELETE", "/v1/case/notifications", None, credentials)
        print("Notifications are off; the address was deleted.")
        return 0
    if args.email or args.webhook:
        body = {"email": args.email} if args.email else {"webhook": args.webhook}
        shown = client.call("PUT", "/v1/case/notifications", body, credentials)
    else:
        shown = client.call("GET", "/v1/case/notifications", None, credentials)
    if shown["channel"] is None:
        print("Notifications are off (choose one with --email or --webhook).")
        return 0
    print(f"Notifications go by {shown['channel']} to {shown['address']}.")
    print("They say only that there is news; read it with `takedown status`.")
    if shown.get("secret"):
        print(f"Webhook signing secret (shown once): {shown['secret']}")
    if shown["failing"]:
        print("The last notification could not be delivered; check the address.")
    return 0


def add_victim_commands(commands: Any) -> None:
    """Register hash, submit, status, add, recover, withdraw and notify on a subparsers object."""
    hash_cmd = commands.add_parser("hash", help="print fingerprints of images, as JSON lines")
    hash_cmd.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    hash_cmd.set_defaults(func=command_hash)

    def case_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--server", help=f"service URL (default {DEFAULT_SERVER})")
        parser.add_argument("--case", help="case ID (the PIN is asked for)")
        parser.add_argument("--credentials", metavar="FILE", help="file saved by submit")

    submit = commands.add_parser("submit", help="hash images here and open a case")
    submit.add_argument("paths", nargs="+", metavar="PATH")
    submit.add_argument("--server", help=f"service URL (default {DEFAULT_SERVER})")
    submit.add_argument("--dry-run", action="store_true", help="print the exact request body")
    submit.add_argument("--save", metavar="FILE", help="save the case ID and PIN to FILE")
    submit.set_defaults(func=command_submit)

    status = commands.add_parser("status", help="show a case's status")
    case_options(status)
    status.set_defaults(func=command_status)

    add = commands.add_parser("add", help="hash more images here and add them to a case")
    add.add_argument("paths", nargs="+", metavar="PATH")
    case_options(add)
    add.add_argument("--dry-run", action="store_true", help="print the exact request body")
    add.set_defaults(func=command_add)

    recover = commands.add_parser("recover", help="set a new PIN with a recovery code")
    case_options(recover)
    recover.add_argument("--code", help="the recovery code (asked for if left out)")
    recover.set_defaults(func=command_recover)

    withdraw = commands.add_parser("withdraw", help="withdraw a case and delete its fingerprints")
    case_options(withdraw)
    withdraw.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    withdraw.set_defaults(func=command_withdraw)

    notify = commands.add_parser(
        "notify", help="be told when your case has news (off unless you choose a channel)"
    )
    case_options(notify)
    channel = notify.add_mutually_exclusive_group()
    channel.add_argument("--email", metavar="ADDRESS", help="send a short e-mail on news")
    channel.add_argument("--webhook", metavar="URL", help="POST a signed note to an https URL")
    channel.add_argument("--off", action="store_true", help="stop and delete the address")
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
        print("\ntakedown: the input ended before an answer; stopped there", file=sys.stderr)
        return 1
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of python -m hashing."""
    return run(build_parser(), argv)
