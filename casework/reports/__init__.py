"""Reported URLs, what was found there, how each stands, and caseworkers' reviews of matches."""
