"""Foundations shared by the bot, airfield and slackbox: facts, pure arithmetic, one small async
cache (`cache.py`), the one migration runner (`migrations.py`) and the one PostgreSQL pool
recipe (`postgres.py`).

Nothing here imports `bot`, `airfield` or `slackbox`, so each of them (the Slack stand-in
included) can read the same table without depending on the others.
"""
