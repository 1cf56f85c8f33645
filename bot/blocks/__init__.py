"""What Slack users see, built without I/O: Block Kit builders (`slack_sdk.models.blocks`),
the IDs their buttons and inputs carry (`ids.py`), parameters as inputs (`param_inputs.py`)
and every error sentence a user reads (`user_errors.py`)."""
