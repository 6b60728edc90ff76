"""`python -m tests.reliability`: see `tests/reliability/suite.py`."""

import sys

from tests.reliability.suite import main

sys.exit(main())
