"""The post-incident review wizard."""
