"""fittingroom: a self-hostable virtual try-on service."""

__version__ = "0.1.0"
