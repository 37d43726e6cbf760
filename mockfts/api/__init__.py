"""HTTP face of the FTS3 double: Flask routes that call the model and render its answers."""
