"""Takedown notices: regimes, letters, their states, platforms' answers and proof of removal."""
