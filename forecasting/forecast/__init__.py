"""From fitted hazards to probabilities: exact propagation, the forecast contract every forecaster returns, counts, the baselines."""
