"""GitHub: token discovery, device-flow login and saved credentials."""
