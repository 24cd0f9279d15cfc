"""See DESIGN section 3."""
