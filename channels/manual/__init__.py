"""Offline entries: complaints an agent records from the call centre (112), a walk-in, a
letter, or media monitoring. Nothing is sent anywhere: the agent answers in person or by
phone, and the case follows the same lifecycle as any other."""

from channels.manual.channel import ManualChannel

CHANNEL = ManualChannel
__all__ = ["CHANNEL", "ManualChannel"]
