"""The embedded Bot API server the sandbox runs Peluit against.

TODO(issue 12, integrator) ─────────────────────────────────────────────────────────────────────
THIS IS A TEMPORARY RE-EXPORT. The strict stand-in Bot API still lives in
tests/support/fake_telegram.py because the security round (issue 10) was editing it while the
sandbox was built. After merging that round:
  1. `git mv tests/support/fake_telegram.py` into a package `sandbox/botapi/` (this file goes),
     split by job: entities.py (limits, ApiError, parse_html/markdown, detect_entities),
     state.py (User, Call, the chat/message/topic/file records, _Params), methods.py (the
     `_api_*` Bot API methods, as a mixin), actions.py (send_text/photo/document/media, press,
     add_user/add_group/set_member/...: what people do), server.py (FakeTelegram: lifecycle,
     HTTP plumbing, update delivery, running_fake_telegram), and __init__.py re-exporting the
     names below plus running_fake_telegram.
  2. `grep -rl tests.support.fake_telegram tests benchmarks` -> import from `sandbox.botapi`.
  3. sandbox/world.py subclasses FakeTelegram and reads `_files`, `_chats` and `_handle_api`:
     keep those names or follow them there. tests/sandbox and tests/browser must stay green.
  4. Product-code rules now apply to it: ruff's S rules (random for faults: `# noqa: S311`),
     bandit on sandbox/ (.ci/run already runs it), asserts that check people's actions.
The sys.path fallback below goes with this file: it exists only so that an editable install
(whose import finder maps bot/, flows/, storage/ and sandbox/ but not tests/) finds it today.
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
