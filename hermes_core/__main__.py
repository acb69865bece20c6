from hermes_core.cli import main

main()
