"""Settings from the environment, and `Services`: everything a listener needs, built once
from them and handed to every `register`."""
