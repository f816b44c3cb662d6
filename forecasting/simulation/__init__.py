"""The year as a whole: joint draws of every project and of the leads to come, and the outcome forecaster that runs them."""
