"""reelgate: a self-hosted server for the OpenAI and Azure OpenAI media-generation APIs."""

__version__ = "0.1.0"
