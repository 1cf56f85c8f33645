"""The bot's Slack side: the Web API client, its limits and scheduler, errors, clipping, writes.

Every Web API call the bot makes goes through `client.SlackClient`, which clips texts to
Slack's limits (`clip.py`), translates Slack's failures once (`errors.py`) and is measured.
"""
