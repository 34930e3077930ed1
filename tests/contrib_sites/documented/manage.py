#!/usr/bin/env python
"""The documented dj-rest-auth site's manage.py (run from the repository root)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", "tests.contrib_sites.documented.settings"
    )
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
