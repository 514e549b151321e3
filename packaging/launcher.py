"""The bundle's entry point: ``desktop.__main__.main()``, as ``socketio-tray`` runs it.

PyInstaller runs this file as a script, so it cannot be ``desktop/__main__.py`` itself
(its relative imports need a package).
"""

import sys

from desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
