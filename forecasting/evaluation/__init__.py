"""How good the forecasts are and why they moved: scores, backtests, the simulation studies, quarter changes and their attribution."""
