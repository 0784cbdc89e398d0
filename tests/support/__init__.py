"""Test infrastructure shared by the suite, the browser tests and the load test."""
