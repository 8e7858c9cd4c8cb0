#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("SECRET_KEY"):
        # A command run in a checkout with neither SECRET_KEY nor DEBUG set (createsuperuser,
        # changepassword, shell) runs as `make run` does, with the development key in db/.
        # DEBUG=false still demands SECRET_KEY, as a server does.
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
