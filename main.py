"""Start the Curator desktop application."""

from curator.app import main

if __name__ == "__main__":
    raise SystemExit(main())
