"""python -m hashing: the victim CLI without the service extras."""

import sys

from hashing.cli import main

sys.exit(main())
