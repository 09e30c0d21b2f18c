"""Pages of the eldercare app, by topic."""
