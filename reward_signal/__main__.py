"""`python -m reward_signal` is the same as the `reward-signal` command."""

import sys

from reward_signal.cli import main

sys.exit(main())
