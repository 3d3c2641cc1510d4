"""Email: raw RFC 5322 bytes in (IMAP, or files on disk) as InboundEvents, replies out by
SMTP from the mailbox the customer wrote to."""
