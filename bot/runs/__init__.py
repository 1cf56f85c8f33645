"""Starting and cancelling a run or session for a Slack user: policy, once-only, audit.
Following it afterwards is `bot/tracking`."""
