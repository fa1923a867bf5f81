"""`python -m upsample` runs the command-line tool."""

from upsample.cli.main import main

raise SystemExit(main())
