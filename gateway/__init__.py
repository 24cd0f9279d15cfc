"""EDI gateway for vendor collaboration."""
