"""The Django project the tests run: settings, URLs, apps, hooks and templates."""
