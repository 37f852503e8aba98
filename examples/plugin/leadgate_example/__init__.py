"""An example third-party leadgate plugin."""
