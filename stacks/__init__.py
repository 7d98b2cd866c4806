"""One module per deployable stack; `parts/` holds the small constructs they are built from."""
