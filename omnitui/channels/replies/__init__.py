"""Replies out through a webhook platform: which [[channels]] entry and route a reply takes
(routes.py) and the HTTP POST every platform's `send` shares (http.py). Each platform's own
sending is in its module (omnitui/channels/<kind>.py)."""
