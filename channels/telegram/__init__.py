"""The Telegram channel: a city's bot, by webhook or by polling."""

from channels.telegram.channel import TelegramChannel

CHANNEL = TelegramChannel
__all__ = ["CHANNEL", "TelegramChannel"]
