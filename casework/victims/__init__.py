"""A victim's case: opening and authenticating it, its story, and the news they asked for."""
