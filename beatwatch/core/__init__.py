"""Pure: no I/O, no asyncio. Knows nothing of the layers above it."""
