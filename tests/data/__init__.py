"""Tests of ``forecasting.data``, one module per package module."""
