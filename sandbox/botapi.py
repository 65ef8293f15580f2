"""The embedded Bot API server the sandbox runs Peluit against.

TODO(issue 12, integrator) ─────────────────────────────────────────────────────────────────────
THIS IS A TEMPORARY RE-EXPORT. The strict stand-in Bot API still lives in
tests/support/fake_telegram.py because the security round (issue 10) was editing it while the
sandbox was built. After merging that round, move it here, split by job (entity parsing, state,
HTTP methods, people's actions), make tests/ import it from `sandbox.botapi`, and delete the
sys.path fallback below: it exists only so that an editable install (whose import finder maps
bot/, flows/, storage/ and sandbox/ but not tests/) can find the file today.
────────────────────────────────────────────────────────────────────────────────────────────────
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from tests.support import fake_telegram as _impl
except ModuleNotFoundError:  # `peluit` from .venv/bin: the checkout is not on sys.path
    sys.path.append(str(Path(__file__).resolve().parent.parent))
    from tests.support import fake_telegram as _impl

ApiError = _impl.ApiError
Call = _impl.Call
FakeTelegram = _impl.FakeTelegram
User = _impl.User
detect_entities = _impl.detect_entities
parse_html = _impl.parse_html

__all__ = ["ApiError", "Call", "FakeTelegram", "User", "detect_entities", "parse_html"]
