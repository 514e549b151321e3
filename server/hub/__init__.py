"""The hub protocol: what a LAN client can do once connected (see the README's table)."""
