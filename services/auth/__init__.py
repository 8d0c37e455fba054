"""API keys: what a key is and may do (pure), and a cache that checks tokens against storage."""
