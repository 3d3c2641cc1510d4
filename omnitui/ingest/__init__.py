"""The ingest pipeline and its stages."""
