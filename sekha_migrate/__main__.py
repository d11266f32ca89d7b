"""`python -m sekha_migrate`: the same app, whatever `sekha` on the PATH happens to be."""

from sekha_migrate.entry import main

main()
