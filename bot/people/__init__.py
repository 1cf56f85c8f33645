"""Who someone is (the label the bot acts for, and how Slack shows it) and who may run
what (the policy file)."""
