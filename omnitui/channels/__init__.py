"""The platforms: everything that knows how the outside world talks, in and out.

- one module per webhook platform — telegram.py, slack.py, twilio.py, meta.py, generic.py —
  each a `Platform` (platform.py): its verification, parsing, sending and the route for
  writing first; registry.py lists them, one line each;
- email/: the mail platform: IMAP in (imap.py, polled by the daemon), files on disk
  (sources.py), parsing (parse.py), SMTP out (smtp.py) and the mailbox a reply leaves from
  (outgoing.py);
- webhooks/: the receiver every webhook platform shares; replies/: which entry and route a
  reply takes, and the HTTP POST every platform's send shares;
- errors.py (how a send failed), secrets.py (keeping secrets out of error text),
  signing.py (Standard Webhooks signatures).

Inbound, a platform only turns what arrives into `Inbound` items (omnitui/model.py); the
ingest pipeline files them. Outbound, the daemon's outbox sender decides when to send and
what a failure means; a platform only sends.
"""
