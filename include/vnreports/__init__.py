"""Warehouse of indicator figures parsed from Vietnamese government socio-economic reports."""
