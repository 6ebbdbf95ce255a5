"""python -m service: the full takedown command."""

import sys

from service.cli import main

sys.exit(main())
