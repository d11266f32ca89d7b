"""`sekha validate`: the schema and Sekha's own rules, as findings with file positions."""
