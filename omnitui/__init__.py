"""omnitui: a terminal-first omnichannel helpdesk."""

__version__ = "0.1.0"
