"""The culture centre (文化活动中心): its rooms and equipment, booked by residents, groups and staff."""
