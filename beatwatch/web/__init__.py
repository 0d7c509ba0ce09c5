"""aiohttp handlers over the service: pings, the API, badges, metrics."""
