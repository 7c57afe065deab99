#!/usr/bin/env python
"""Run lc-modulestore's management commands on its own (demo, import, compile, inspection)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.sqlite")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
