"""Running the hub: uvicorn start and stop, the event loop it runs on, signals."""
