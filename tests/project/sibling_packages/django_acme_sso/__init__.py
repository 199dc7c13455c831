"""A tiny sign-in provider app that keeps the sibling contract, for the tests only.

Importable as the top-level package ``django_acme_sso`` once ``tests/project/sibling_packages``
is on ``sys.path`` (the ``acme`` fixture of ``tests/test_admin_page.py`` puts it there).
"""
