"""Chat and social channels in: the webhook receiver and one small module per platform."""
