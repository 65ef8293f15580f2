"""Peluit's Telegram adapter: the only package that imports `telegram`."""

import os

# Opt in to python-telegram-bot's future behaviour: durations (RetryAfter.retry_after) are
# timedeltas. Peluit's code accepts both; this only silences the deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")
