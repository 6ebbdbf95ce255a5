"""Report tests use the worker and content-server harness."""

from tests.harness import content_server, start_worker

__all__ = ["content_server", "start_worker"]
