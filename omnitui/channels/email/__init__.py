"""Email channel: raw RFC 5322 bytes in, InboundEvents out."""
