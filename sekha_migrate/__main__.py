from sekha_migrate.entry import main

main()
