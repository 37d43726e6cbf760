import sys

from mockfts.cli import main

sys.exit(main())
