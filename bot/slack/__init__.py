"""The bot's Slack side: the Web API client, its limits and scheduler, errors, clipping, writes.

Every Web API call the bot makes goes through `client.SlackClient`, which clips texts to
Slack's limits (`clip.py`), translates Slack's failures once (`errors.py`) and is measured.
`requests.py` is the other direction: an incoming Slack request's identity, its
Idempotency-Key and its lock.
"""
