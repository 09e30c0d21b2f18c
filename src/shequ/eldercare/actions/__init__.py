"""Every write of the eldercare app, by topic; views, API, periodic jobs and the demo call these."""
