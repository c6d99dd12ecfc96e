"""The Discord side: thin adapters that turn slash commands, mentions, buttons and menus into
requests to the answering layer (bot/answering/) and render what it decides."""
