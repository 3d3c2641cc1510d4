"""Channel adapters: each turns the outside world into InboundEvents."""
