"""leadgate: consent-first chat intake for small businesses.

Importing the package loads no plugin and opens no database; the plugin manager in
``leadgate.core.plugins`` and the service factory in ``leadgate.core.app`` do that
when asked.
"""

__version__ = "0.1.0"

import pluggy

hookimpl = pluggy.HookimplMarker("leadgate")
"""Decorator for plugin hook implementations: ``@leadgate.hookimpl``."""
