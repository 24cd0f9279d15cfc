"""Pure translation between documents and canonical documents. No I/O, no database."""
