"""What the frozen executable runs: the ``landscape`` command, exactly as the console script does.

A file outside the package, because PyInstaller runs its entry script as ``__main__`` and the
package's own ``__main__`` would then be imported twice under two names.
"""

import sys

from landscape_gui.cli import main

if __name__ == "__main__":
    sys.exit(main())
