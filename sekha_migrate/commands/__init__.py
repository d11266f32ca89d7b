"""One module per subcommand. Each parses flags, calls the library, renders, and exits."""
