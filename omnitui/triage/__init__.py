"""Triage decides: classification, routing, priority and SLA. Pure functions of their inputs."""
