"""The Telegram channel: a city's bot, by webhook or by polling."""

import os

# Durations as timedelta (python-telegram-bot's coming default) rather than deprecated ints.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from channels.telegram.channel import TelegramChannel

CHANNEL = TelegramChannel
__all__ = ["CHANNEL", "TelegramChannel"]
