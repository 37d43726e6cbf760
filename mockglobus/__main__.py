"""``python -m mockglobus [serve ...]``."""

import sys

from mockglobus.cli import main

sys.exit(main())
