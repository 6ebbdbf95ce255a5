"""The victim's web pages: hash in the browser, send fingerprints only, in English and Dutch."""
