"""What the command line, the API and the terminal UI call."""
