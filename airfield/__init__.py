"""airfield: a self-hosted server of the Airplane REST API v0 that runs real tasks."""
