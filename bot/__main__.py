"""`python -m bot` is `airplane-bot`."""

import sys

from .process.cli import main

sys.exit(main())
