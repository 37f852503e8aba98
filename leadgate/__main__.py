"""``python -m leadgate`` runs the command line, like the ``leadgate`` script."""

import sys

from leadgate.core.cli import main

sys.exit(main())
