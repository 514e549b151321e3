"""socketio-tray's desktop front end: tray icon and window over the in-process hub."""
