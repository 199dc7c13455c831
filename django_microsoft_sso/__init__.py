"""Sign in with Microsoft for Django."""

__version__ = "8.0.0"
