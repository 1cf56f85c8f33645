"""airplane-bot: run Airplane tasks and runbooks from Slack and answer their prompts there."""
