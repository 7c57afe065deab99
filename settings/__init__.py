"""Django settings for running lc-modulestore on its own: pick `sqlite`, `mysql` or `test`."""
