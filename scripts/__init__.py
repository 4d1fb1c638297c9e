"""Maintenance scripts: the screenshot for the README and the app-server helper the browser tests share."""
