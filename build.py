"""Build the School Report Cards site: `python build.py --help`."""

import sys
from pathlib import Path

# Run from a checkout without installing: prefer the package in src/.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from reportgen.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
