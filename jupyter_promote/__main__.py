"""``python -m jupyter_promote``: the ``jupyter promote`` command line."""

import sys

from jupyter_promote.frontends.cli.main import main

sys.exit(main())
