"""Benchmarks of django-microsoft-sso: ``python benchmarks/run.py`` (not part of the tests)."""
