"""The WhatsApp channel: a city's number on Meta's WhatsApp Cloud API, by webhook."""

from channels.whatsapp.channel import WhatsAppChannel

CHANNEL = WhatsAppChannel
__all__ = ["CHANNEL", "WhatsAppChannel"]
