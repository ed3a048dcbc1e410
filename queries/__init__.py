"""Named SQL queries over the lake, shared by the pages, the tests and `python -m queries`."""
