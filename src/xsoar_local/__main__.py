"""`python -m xsoar_local` opens the War Room, as the `warroom` command does."""

import sys

from xsoar_local.warroom import main

if __name__ == "__main__":
    sys.exit(main())
