"""Platforms as API clients: accounts and keys, checks, the feed and webhooks."""
