"""The supervisor's measures: the funnel over a period, as distributions (metrics/funnel.py)."""
