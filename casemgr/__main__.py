"""``python -m casemgr COMMAND``: the headless command line."""

import sys

from casemgr.cli import main

sys.exit(main())
