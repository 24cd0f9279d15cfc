"""X12: reading, validating, writing and mapping interchanges."""
