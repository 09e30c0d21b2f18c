"""Shequ (社区): the information services of a Chinese urban sub-district."""
