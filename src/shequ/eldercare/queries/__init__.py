"""Scoped reads of the eldercare app, by topic."""
