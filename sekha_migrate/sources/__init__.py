"""Reading configuration files into plain data plus where each value came from."""
