"""rotui: rotate, revoke and troubleshoot API keys from the terminal."""

__version__ = "0.1.0"
