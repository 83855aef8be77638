"""Reading catalog and history files into validated rows, applied in one transaction."""
