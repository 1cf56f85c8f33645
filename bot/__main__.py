"""`python -m bot` is `airplane-bot`."""

import sys

from .cli import main

sys.exit(main())
