"""Staff accounts' API tokens (kept hashed, shown once) and who owns each draft."""
