"""What Sekha configuration looks like: keys, dialects, defaults. Pure data, no I/O."""
