"""The outbox's default backoff rides out a provider outage of half an hour before it
dead-letters a reply, waits at most `cap` between attempts, and honours retry_after."""

from __future__ import annotations

from hub.outbox import RetryPolicy


def test_the_default_policy_keeps_trying_for_at_least_30_minutes() -> None:
    policy = RetryPolicy()
    assert policy.shortest_give_up() >= 30 * 60
    # Even at the unluckiest jitter, the attempts' waits add up to that.
    lowest = sum(policy.delay(n) for n in range(1, policy.max_attempts))
    assert lowest >= policy.shortest_give_up()
    assert all(policy.delay(n) <= policy.cap for n in range(1, 100))
    assert policy.delay(30, retry_after=900) >= 900, "a provider's retry_after wins over cap"
