"""The bot's features, one module each: asking, browsing topics, and maintainers' tools."""
