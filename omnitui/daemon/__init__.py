"""`omnitui serve`: the channel pollers, the outbox sender and the heartbeat, one process."""
