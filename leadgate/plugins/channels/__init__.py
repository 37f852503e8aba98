"""Built-in chat channels: each module registers one channel through leadgate_register_channels."""
