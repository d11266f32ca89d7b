from sekha_migrate.cli import main

main()
