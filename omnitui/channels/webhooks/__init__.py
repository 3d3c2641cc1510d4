"""Webhooks in: the receiver every webhook platform shares (server.py), what a stored
delivery says (deliveries.py) and the pieces the platforms' `check` and `parse` share
(common.py). Each platform's own verification and parsing is in its module
(omnitui/channels/<kind>.py)."""
