"""Tests of ``forecasting.evaluation``, one module per package module."""
