"""Evidence: capture records, the custody log, seals, trusted timestamps, export and verify."""
