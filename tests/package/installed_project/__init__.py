"""A Django project that uses django-microsoft-sso as installed from its wheel.

scripts/check-package copies this directory out of the repository into a fresh virtualenv that
has the wheel (and nothing of the source tree), then runs ``manage.py check``, ``migrate``,
``collectstatic`` and ``sign_in.py`` there.
"""
