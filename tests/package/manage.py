#!/usr/bin/env python
"""manage.py of the project that scripts/check-package runs against the installed wheel."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "installed_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
