"""Pull named banks from their URLs: another instance's /v1/feed, or a threatexchange list.

``pull_banks`` runs in the worker's "banks" loop and pulls each enabled pulled bank whose last
pull is older than TAKEDOWN_BANK_PULL_MINUTES. Every request goes through the safe fetcher (public
addresses only, no redirects, a byte cap). A federation pull applies the remote feed page by page,
each page and the cursor after it in one transaction, so a pull killed between pages resumes
from the last page applied; a threatexchange list is replaced whole, or not at all.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlencode

from casework.bank import banks
from casework.bank.models import Bank, BankSource
from casework.db import transaction, utcnow
from casework.errors import InvalidInput
from workers.context import WorkerContext
from workers.fetcher import Fetcher, FetchFailed

logger = logging.getLogger(__name__)

#: A feed page holds at most 1,000 entries of about 150 bytes.
MAX_FEED_PAGE_BYTES = 4 * 2**20
#: About 800,000 PDQ lines.
MAX_LIST_BYTES = 64 * 2**20
FEED_PAGE_SIZE = 1000
#: A pull stops after this many pages and goes on from its cursor at the next round.
MAX_PAGES_PER_PULL = 200
#: How often the loop looks for banks due a pull.
PULL_SCAN_SECONDS = 30


def pull_banks(context: WorkerContext) -> int:
    """Pull every bank due a pull; returns how many were pulled."""
    due_before = utcnow() - timedelta(minutes=context.runtime.settings.bank_pull_minutes)
    with transaction(context.runtime.sessions) as session:
        due = [
            bank.id
            for bank in banks.pulled_banks(session)
            if bank.pulled_at is None or bank.pulled_at < due_before
        ]
    for bank_id in due:
        pull_bank(context, bank_id)
    return len(due)


def pull_bank(context: WorkerContext, bank_id: int, *, max_pages: int = MAX_PAGES_PER_PULL) -> str:
    """Pull one bank now and record how it went; returns that record."""
    runtime = context.runtime
    with transaction(runtime.sessions) as session:
        bank = session.get_one(Bank, bank_id)
        source, url, name = BankSource(bank.source), bank.source_url, bank.name
        key = runtime.vault.open_text(bank.key_sealed) if bank.key_sealed else None
    if url is None:
        raise InvalidInput(f"bank {name!r} has no URL to pull")
    try:
        with Fetcher(context.policy, context.resolver) as fetcher:
            if source is BankSource.FEDERATION:
                result = _pull_feed(context, fetcher, bank_id, url, key or "", max_pages)
            else:
                result = _pull_list(context, fetcher, bank_id, url)
    except FetchFailed as failure:
        status = f" (HTTP {failure.status})" if failure.status else ""
        result = f"failed: {failure.reason.value}{status}"
    except InvalidInput as refused:
        result = f"refused: {refused}"
    with transaction(runtime.sessions) as session:
        banks.record_pull(session, bank=session.get_one(Bank, bank_id), result=result)
    logger.info("bank %s pulled: %s", name, result.split(":")[0])
    return result


def _pull_feed(
    context: WorkerContext, fetcher: Fetcher, bank_id: int, url: str, key: str, max_pages: int
) -> str:
    runtime = context.runtime
    added = removed = pages = 0
    more = True
    while more and pages < max_pages:
        with transaction(runtime.sessions) as session:
            after = session.get_one(Bank, bank_id).cursor
        query = {"limit": FEED_PAGE_SIZE} | ({"cursor": after} if after else {})
        body = fetcher.get(
            f"{url.rstrip('/')}/v1/feed?{urlencode(query)}",
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
            max_bytes=MAX_FEED_PAGE_BYTES,
        )
        entries, cursor, more = banks.parse_feed_page(body)
        with transaction(runtime.sessions) as session:
            applied = banks.apply_feed_page(
                session,
                vault=runtime.vault,
                bank=session.get_one(Bank, bank_id),
                after=after,
                entries=entries,
                cursor=cursor,
            )
        if applied is None:
            return f"ok: +{added} -{removed}; another pull took over"
        added, removed, pages = added + applied.added, removed + applied.removed, pages + 1
    waiting = "; more waiting" if more else ""
    return f"ok: +{added} -{removed} in {pages} page(s){waiting}"


def _pull_list(context: WorkerContext, fetcher: Fetcher, bank_id: int, url: str) -> str:
    body = fetcher.get(url, headers={"Accept": "text/plain"}, max_bytes=MAX_LIST_BYTES)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the list is not UTF-8 text") from None
    fingerprints = banks.parse_list(text, format="threatexchange")
    runtime = context.runtime
    with transaction(runtime.sessions) as session:
        applied = banks.import_fingerprints(
            session,
            vault=runtime.vault,
            bank=session.get_one(Bank, bank_id),
            fingerprints=fingerprints,
            replace=True,
        )
    return f"ok: +{applied.added} -{applied.removed}"
