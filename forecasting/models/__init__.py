"""The fitted models: stage progression, size at signing, the provincial list, the inflow of leads, the year-to-year conditions."""
