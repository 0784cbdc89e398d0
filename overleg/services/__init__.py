"""Plain service functions: no request or session inside; each returns data or bytes."""
