"""Test helpers that are not fixtures: hubs, real clients, raw protocol, processes."""
