"""`kanal telegram set-webhook KEY` and `kanal telegram info KEY`."""

from __future__ import annotations

from channels.telegram.client import ALLOWED_UPDATES, BotClient
from hub.models import InboxRef


def webhook_url(public_url: str, inbox: InboxRef) -> str:
    return f"{public_url.rstrip('/')}/webhooks/telegram/{inbox.key}"


async def set_webhook(inbox: InboxRef, public_url: str) -> str:
    """Register the hub's webhook with its secret and the update types Kanal handles."""
    client = BotClient(inbox)
    try:
        bot = await client.ready()
        url = webhook_url(public_url, inbox)
        await bot.set_webhook(
            url=url,
            secret_token=inbox.options["webhook_secret"],
            allowed_updates=ALLOWED_UPDATES,
        )
        return f"webhook of @{bot.username} set to {url}"
    finally:
        await client.close()


async def info(inbox: InboxRef, public_url: str) -> str:
    """Show getWebhookInfo: where Telegram delivers, what is pending, the last error."""
    client = BotClient(inbox)
    try:
        bot = await client.ready()
        hook = await bot.get_webhook_info()
        lines = [
            f"bot: @{bot.username}",
            f"mode configured: {inbox.options.get('mode', 'webhook')}",
            f"webhook url: {hook.url or '(none: polling or not set)'}",
            f"expected url: {webhook_url(public_url, inbox)}",
            f"pending updates: {hook.pending_update_count}",
        ]
        if hook.last_error_message:
            lines.append(f"last error: {hook.last_error_message} at {hook.last_error_date}")
        if hook.allowed_updates:
            lines.append(f"update types: {', '.join(hook.allowed_updates)}")
        return "\n".join(lines)
    finally:
        await client.close()


COMMANDS = {"set-webhook": set_webhook, "info": info}
