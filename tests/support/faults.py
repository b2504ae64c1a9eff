"""The fault suites' private servers listen on fixed ports (tests/faults); TEST_PORT_OFFSET moves them all, so two
runs of the suite can share a machine (.ci/run runs the embedded and the real-services pass side by side)."""
from __future__ import annotations

import os

PORT_OFFSET = int(os.environ.get("TEST_PORT_OFFSET") or 0)
