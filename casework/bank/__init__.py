"""The hash bank: its change log and index, validating fingerprints, matching, quarantine."""
