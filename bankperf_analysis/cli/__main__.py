"""``python -m bankperf_analysis.cli``: the ``bankperf`` command."""

import sys

from bankperf_analysis.cli.main import main

sys.exit(main())
