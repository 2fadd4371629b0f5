"""The admin windows: the priority matrix, users (each in its own module)."""
