from landscape_gui.cli import main

raise SystemExit(main())
