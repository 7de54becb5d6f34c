"""How the running product is doing (issue 23): workers' heartbeats, the figures /metrics and the
admin page show (notices by channel and status, stalled runs, the last backup)."""
