"""The bot's Airplane side: the transport that caps Airplane calls in flight, and the
catalog of tasks and runbooks (cached). The client itself is `airplane_api`."""
