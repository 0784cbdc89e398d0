"""The demo platform (fictitious data, public passwords): never in a production database."""
