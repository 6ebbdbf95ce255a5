"""Prometheus metrics of the API and the workers, read at /metrics with a bearer token.

Every label is a fixed word: an HTTP method, a route template, a status, a verdict, a queue name,
a job outcome and its reason. A hash, a URL, an address or a case ID never becomes a label, so
the exposition can go to any monitoring system.

One scrape of the API sees everything: queue depths are read from Redis at scrape time, and the
workers count job outcomes in Redis (workers/queues.py) because their work horses are forked per
job and live too briefly to be scraped. When `takedown api --workers N` runs several processes it
sets PROMETHEUS_MULTIPROC_DIR, prometheus-client's own switch: each process then writes its
values to a file there and a scrape, answered by any of them, adds them up.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from redis import Redis
from redis.exceptions import RedisError

from casework.bank.bank import BankIndex
from casework.platforms.checks import Answer, Verdict
from workers.queues import outcome_counts, queue_depths

logger = logging.getLogger(__name__)

#: What a Prometheus server asks for; the text format 0.0.4.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Request durations from a cached check (a few ms) to a hashed upload (seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _multiprocess_dir() -> str | None:
    # prometheus-client itself chose its storage from this variable when it was imported.
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


class Metrics:
    """The API process's metrics, and the exposition of them with the workers' from Redis."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        # A registry per app, not the global one: tests build many apps in one process.
        self._registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "takedown_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self._registry,
        )
        self._latency = Histogram(
            "takedown_http_request_duration_seconds",
            "Time from a request's arrival to its last byte, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self._registry,
        )
        self._checks = Counter(
            "takedown_checks",
            "Fingerprints checked by platforms, by verdict (match is a hit, no_match a miss).",
            ["verdict"],
            registry=self._registry,
        )
        self._verdicts = {verdict: self._checks.labels(verdict.value) for verdict in Verdict}
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        # With several processes the lowest version and size tell of the one lagging behind.
        self._bank_size = Gauge(
            "takedown_bank_fingerprints",
            "Fingerprints in this process's bank index.",
            registry=self._registry,
            multiprocess_mode="livemin",
        )
        self._index_version = Gauge(
            "takedown_bank_index_version",
            "The bank checkpoint this process's index reflects.",
            registry=self._registry,
            multiprocess_mode="livemin",
        )
        self._index_load = Gauge(
            "takedown_bank_index_load_seconds",
            "How long the first full load of the bank index took.",
            registry=self._registry,
            multiprocess_mode="livemax",
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request; route is a template, never the path asked for."""
        series = self._series.get((method, route, status))
        if series is None:
            # Looked up once per label set: prometheus-client's labels() costs every request.
            series = (
                self._requests.labels(method, route, str(status)),
                self._latency.labels(method, route),
            )
            self._series[(method, route, status)] = series
        series[0].inc()
        series[1].observe(seconds)

    def observe_checks(self, answers: Sequence[Answer]) -> None:
        """Count each fingerprint's verdict of one check."""
        counts: dict[Verdict, int] = {}
        for answer in answers:
            counts[answer.verdict] = counts.get(answer.verdict, 0) + 1
        for verdict, count in counts.items():
            self._verdicts[verdict].inc(count)

    def observe_bank(self, bank: BankIndex) -> None:
        """Note the index's size, version and load time, after a refresh."""
        if bank.version is None:
            return
        self._bank_size.set(len(bank))
        self._index_version.set(bank.version)
        if bank.load_seconds is not None:
            self._index_load.set(bank.load_seconds)

    def exposition(self) -> bytes:
        """Everything, in Prometheus' text format: this process's (or all processes') and Redis'."""
        scrape = CollectorRegistry(auto_describe=False)
        directory = _multiprocess_dir()
        if directory:
            MultiProcessCollector(scrape, path=directory)  # type: ignore[no-untyped-call]
        else:
            scrape.register(self._registry)
        scrape.register(_WorkCollector(self._redis))
        return generate_latest(scrape)

    @staticmethod
    def process_stopped() -> None:
        """Drop this process's live gauges from the shared files when it stops."""
        if _multiprocess_dir():
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class _WorkCollector:
    """Queue depths and job outcomes, read from Redis at each scrape."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    def collect(self) -> Iterable[Metric]:
        try:
            depths = queue_depths(self._redis)
            outcomes = outcome_counts(self._redis)
        except RedisError as error:
            # The families are left out: a gap in the graph, not a misleading zero.
            logger.warning("queue metrics unreadable: %s", type(error).__name__)
            return
        yield from _families(depths, outcomes)


def _families(
    depths: dict[str, int], outcomes: dict[tuple[str, str, str], int]
) -> Iterator[Metric]:
    waiting = GaugeMetricFamily(
        "takedown_queue_jobs", "Jobs waiting in each RQ queue.", labels=["queue"]
    )
    for queue, depth in depths.items():
        waiting.add_metric([queue], depth)
    yield waiting
    done = CounterMetricFamily(
        "takedown_job_outcomes",
        "Jobs the workers finished, by job, outcome and reason.",
        labels=["job", "outcome", "reason"],
    )
    for labels, count in sorted(outcomes.items()):
        done.add_metric(list(labels), count)
    yield done
