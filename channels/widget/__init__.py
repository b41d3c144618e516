"""The website widget channel: residents chat live over the `/widget` Socket.IO namespace."""

from channels.widget.channel import WidgetChannel

CHANNEL = WidgetChannel
__all__ = ["CHANNEL", "WidgetChannel"]
