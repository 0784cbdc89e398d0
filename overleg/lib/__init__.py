"""Pure code: no database, no request. iCalendar, PDF rendering, markup, tokens, calendar rules."""
