"""The WhatsApp channel: a city's number on Meta's WhatsApp Cloud API, by webhook."""
