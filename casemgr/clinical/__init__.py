"""Clinical and sport-science rules: pure functions over plain data (no database, no Qt)."""
