"""Write docs/roles.md from the role table in the code (app/domain/roles_page.py).

    .venv/bin/python scripts/roles_page.py          write the page
    .venv/bin/python scripts/roles_page.py --check  exit 1 when the committed page is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from app.domain.roles_page import PAGE, roles_markdown

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    page = ROOT / PAGE
    text = roles_markdown()
    if args.check:
        same = page.exists() and page.read_text(encoding="utf-8") == text
        print(f"{PAGE} is {'up to date' if same else 'stale: run scripts/roles_page.py'}")
        return 0 if same else 1
    page.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
