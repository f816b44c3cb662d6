"""Synthetic districts with known truth and their oracles, for the simulation studies; outside the forecasting path (nothing there imports them)."""
