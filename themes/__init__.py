"""Built-in colour themes for the terminal UI, as TOML data files (shipped as beatwatch.themes)."""
