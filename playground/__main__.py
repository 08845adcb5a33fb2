"""``python -m playground ...``: the headless twin of the pages.

Top level: may import ``cli`` only.
"""

from playground.cli import main

raise SystemExit(main())
