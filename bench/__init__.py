"""Kanal benchmarks: every scenario runs its bare baseline in the same run (docs/performance.md)."""
