"""One module per source; each normalises to FOCUS columns and loads atomically per period."""
