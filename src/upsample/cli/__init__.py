"""The `upsample` command."""
