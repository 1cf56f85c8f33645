"""Foundations shared by the bot, airfield and slackbox: facts, pure arithmetic and one small
async cache (`cache.py`), no I/O.

Nothing here imports `bot`, `airfield` or `slackbox`, so each of them (the Slack stand-in
included) can read the same table without depending on the others.
"""
