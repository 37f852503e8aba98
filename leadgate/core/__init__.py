"""The engine: plugin contract, plugin manager, pipeline and stores."""
