"""The `bilateral` console command (bilateral/__main__.py). Nothing imports this package."""
