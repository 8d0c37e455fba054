"""The dashboards' words in each language: English written in the code, looked up in Chinese."""
