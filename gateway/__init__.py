"""Every way in: HTTP, server-sent events, and the command line."""
