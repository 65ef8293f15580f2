"""How this process is doing, for `/healthz` and the log.

Parts of the bot report problems by name ("polling_stalled", "staff_unreachable", ...) and clear
them when they end. `/healthz` answers the public only ok / not ok; the names stay in the log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Health:
    _since: dict[str, float] = field(default_factory=dict)
    """Each current problem, with the monotonic time it began."""

    def report(self, problem: str) -> bool:
        """Note `problem`; True when it is new (it was not already noted)."""
        if problem in self._since:
            return False
        self._since[problem] = time.monotonic()
        return True

    def clear(self, problem: str) -> bool:
        """`problem` has ended; True when it had been noted."""
        return self._since.pop(problem, None) is not None

    def problems(self) -> dict[str, float]:
        """Current problems and how many seconds each has lasted."""
        now = time.monotonic()
        return {name: now - since for name, since in self._since.items()}

    @property
    def ok(self) -> bool:
        return not self._since
