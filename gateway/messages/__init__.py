"""The message store: every interchange in and out (DESIGN section 3), its raw bytes, state and timeline."""
