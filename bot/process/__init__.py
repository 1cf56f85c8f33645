"""The process: the `airplane-bot` command line, serving until a signal (Socket Mode or
HTTP), the Bolt app, `dev` with airfield, the local playground and the manifest."""
