"""Private iCalendar (RFC 5545) feeds, shared by every programme with dated events: the event
shape (ics.py) and the one feed that gathers each programme's events for a token (feed.py). The
tokens themselves are issued and checked by the series' calendar module, whose URL this serves."""
