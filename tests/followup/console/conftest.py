"""The console's personas and world, for the follow-through pages and hooks."""

from tests.console.conftest import carol, mallory, settings, world

__all__ = ["carol", "mallory", "settings", "world"]
