"""What every blueprint shares and no domain rule lives in: error handlers, security headers,
forms, pagination, the commit point, locale and date formats."""
