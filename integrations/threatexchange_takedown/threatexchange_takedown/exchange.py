"""The takedown_feed exchange: follow a takedown instance's /v1/feed, withdrawals included.

The feed is a delta of the bank after an opaque cursor: additions carry a value under a feed
id, removals (a victim withdrew, or the fingerprint was quarantined) carry only the id; both
name the photo the fingerprint is of. Videos come as vpdq entries. The
exchange keys its records by feed id, so a removal is a ``None`` update that deletes the record,
and the cursor is its checkpoint: each fetch asks only for what changed since the last one.
"""

# No `from __future__ import annotations`: threatexchange's CLI builds its flags from the
# dataclass fields' types, which that import would turn into strings.
import time
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from threatexchange.exchanges import auth
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.collab_config import CollaborationConfigWithDefaults
from threatexchange.exchanges.signal_exchange_api import SignalExchangeAPI
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.signal_base import SignalType

from threatexchange_takedown.signals import PhotoMD5Signal, PhotoSHA256Signal

API_NAME = "takedown_feed"
PAGE_SIZE = 1000
TIMEOUT_SECONDS = 30
#: A 429 or 503 is waited out this many times (at most MAX_WAIT_SECONDS each), then the fetch fails.
RETRIES = 3
MAX_WAIT_SECONDS = 60
#: The feed's algorithm names and the signal types their values are. pHash has no
#: threatexchange signal type, so its entries (additions and removals) are skipped. A video's
#: entry is VPDQSignal text under the vpdq extension's name; it is named here, not imported,
#: since the extension needs Meta's compiled vpdq module: where the extension is not enabled,
#: threatexchange leaves those records out (naive_convert_to_signal_type below).
SIGNAL_TYPE_OF_ALGORITHM = {
    "pdq": PdqSignal.get_name(),
    "md5": PhotoMD5Signal.get_name(),
    "sha256": PhotoSHA256Signal.get_name(),
    "vpdq": "vpdq",
}
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class FeedUnavailable(Exception):
    """The instance did not hand out the feed; the message says why."""


@dataclass
class _RequiredFields:
    instance_url: str = field(
        metadata={"help": "the takedown instance's address, e.g. https://takedown.example.org"}
    )


@dataclass
class TakedownFeedCollabConfig(CollaborationConfigWithDefaults, _RequiredFields):
    """Which takedown instance to follow."""

    api: str = field(init=False, default=API_NAME)


@dataclass
class TakedownFeedCheckpoint(state.FetchCheckpointBase):
    """The feed's cursor: "every change after this one"."""

    cursor: str
    fetched_at: int

    def get_progress_timestamp(self) -> int | None:
        return self.fetched_at


@dataclass
class TakedownFeedEntry(state.FetchedSignalMetadata):
    """One bank fingerprint, as the feed added it, and the feed's id of its photo.

    One record per fingerprint, not per photo: HMA keeps at most one signal of a type per
    record, and a photo has several PDQs (its crops'). ``photo`` lets a reader of the stored
    records (HMA's exchange data) count the records of one photo as one image.
    """

    signal_type: str
    signal: str
    photo: str | None = None


@dataclass
class TakedownFeedCredentials(auth.CredentialHelper):
    """A platform key with the feed scope (``takedown keys issue NAME --scope feed``)."""

    ENV_VARIABLE: t.ClassVar[str] = "TX_TAKEDOWN_FEED_KEY"
    FILE_NAME: t.ClassVar[str] = "~/.tx_takedown_feed_key"

    feed_key: str = field(metadata={"help": "a takedown platform key with the feed scope (td_...)"})

    @classmethod
    def _from_str(cls, s: str) -> "TakedownFeedCredentials":
        return cls(feed_key=s.strip())

    def _are_valid(self) -> bool:
        return self.feed_key.startswith("td_") and " " not in self.feed_key


class TakedownFeedSignalExchangeAPI(
    auth.SignalExchangeWithAuth[TakedownFeedCollabConfig, TakedownFeedCredentials],
    SignalExchangeAPI[
        TakedownFeedCollabConfig,
        TakedownFeedCheckpoint,
        TakedownFeedEntry,
        str,
        TakedownFeedEntry,
    ],
):
    """Pages /v1/feed from the stored cursor; tombstones delete what their id added."""

    def __init__(self, collab: TakedownFeedCollabConfig, feed_key: str) -> None:
        self.collab = collab
        self.base_url = _checked_base_url(collab.instance_url)
        self.session = requests.Session()
        # The key travels in a header only, never in a URL (URLs end up in logs).
        self.session.headers["Authorization"] = f"Bearer {feed_key}"

    @classmethod
    def get_name(cls) -> str:
        return API_NAME

    @staticmethod
    def get_config_cls() -> type[TakedownFeedCollabConfig]:
        return TakedownFeedCollabConfig

    @staticmethod
    def get_checkpoint_cls() -> type[TakedownFeedCheckpoint]:
        return TakedownFeedCheckpoint

    @staticmethod
    def get_record_cls() -> type[TakedownFeedEntry]:
        return TakedownFeedEntry

    @staticmethod
    def get_credential_cls() -> type[TakedownFeedCredentials]:
        return TakedownFeedCredentials

    @classmethod
    def for_collab(
        cls,
        collab: TakedownFeedCollabConfig,
        credentials: TakedownFeedCredentials | None = None,
    ) -> "TakedownFeedSignalExchangeAPI":
        credentials = credentials or TakedownFeedCredentials.get(cls)
        return cls(collab, credentials.feed_key)

    def fetch_iter(
        self,
        _supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: TakedownFeedCheckpoint | None,
    ) -> t.Iterator[state.FetchDelta[str, TakedownFeedEntry, TakedownFeedCheckpoint]]:
        cursor = checkpoint.cursor if checkpoint else None
        while True:
            page = self._page(cursor)
            updates: dict[str, TakedownFeedEntry | None] = {}
            for entry in page["entries"]:
                signal_type = SIGNAL_TYPE_OF_ALGORITHM.get(entry["algorithm"])
                if signal_type is None:
                    continue
                if entry["op"] == "add":
                    updates[entry["id"]] = TakedownFeedEntry(
                        signal_type, entry["value"], entry.get("photo")
                    )
                else:
                    updates[entry["id"]] = None
            cursor = page["cursor"]
            yield state.FetchDelta(updates, TakedownFeedCheckpoint(cursor, int(time.time())))
            if not page["more"]:
                return

    def _page(self, cursor: str | None) -> dict[str, t.Any]:
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        for attempt in range(RETRIES + 1):
            response = self.session.get(
                f"{self.base_url}/v1/feed",
                params=params,
                timeout=TIMEOUT_SECONDS,
                # A redirect is an answer we do not follow: the key must not go where it points.
                allow_redirects=False,
            )
            wait = response.headers.get("Retry-After", "")
            if response.status_code in (429, 503) and wait.isdigit() and attempt < RETRIES:
                time.sleep(min(int(wait), MAX_WAIT_SECONDS))
                continue
            break
        if response.status_code in (401, 403):
            raise auth.SignalExchangeAPIInvalidAuthException(
                type(self),
                f"{self.base_url} refused the feed key ({response.status_code}): it must be an "
                "active key with the feed scope",
            )
        if response.status_code != 200:
            raise FeedUnavailable(
                f"{self.base_url}/v1/feed answered {response.status_code}: {response.text[:200]}"
            )
        page: dict[str, t.Any] = response.json()
        return page

    @classmethod
    def naive_convert_to_signal_type(
        cls,
        signal_types: t.Sequence[type[SignalType]],
        collab: TakedownFeedCollabConfig,
        fetched: t.Mapping[str, TakedownFeedEntry],
    ) -> dict[type[SignalType], dict[str, TakedownFeedEntry]]:
        by_name = {signal_type.get_name(): signal_type for signal_type in signal_types}
        converted: dict[type[SignalType], dict[str, TakedownFeedEntry]] = {}
        for entry in fetched.values():
            signal_type = by_name.get(entry.signal_type)
            if signal_type is None:
                continue
            try:
                value = signal_type.validate_signal_str(entry.signal)
            except ValueError:
                continue
            converted.setdefault(signal_type, {})[value] = entry
        return converted


def _checked_base_url(url: str) -> str:
    """The instance's address without a trailing slash; plain http only on this machine."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"instance_url must be an https:// address, not {url!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError("instance_url must use https: the feed key would travel in clear")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("instance_url must be a plain address (no credentials, query or #)")
    return url.strip().rstrip("/")
