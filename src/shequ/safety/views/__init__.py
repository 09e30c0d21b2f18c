"""The safety app's pages, by topic (the same topics as :mod:`shequ.safety.actions`)."""
