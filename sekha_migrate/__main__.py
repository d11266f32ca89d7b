"""`python -m sekha_migrate`: the same app, whatever `sekha` on the PATH happens to be."""

from sekha_migrate.cli import main

main()
