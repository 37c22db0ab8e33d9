"""Daily reminder digests: opt-in preferences, the digest job, one-click unsubscribe, the scheduler's tick."""
