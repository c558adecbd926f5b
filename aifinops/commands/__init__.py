"""Click commands, one module per area; each is a thin shell over library functions."""
