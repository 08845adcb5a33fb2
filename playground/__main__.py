"""``python -m playground ...``: the headless twin of the pages."""

from playground.cli import main

raise SystemExit(main())
