"""From probabilities to forecasts: the forecast contract every forecaster returns, counts, the baselines (the exact propagation is the progression model's, :mod:`forecasting.models.propagate`)."""
