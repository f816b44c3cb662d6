"""Tests of ``forecasting.history``, one module per package module."""
