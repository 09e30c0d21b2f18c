"""Scoped reads of the safety app, by topic (the same topics as :mod:`shequ.safety.actions`)."""
