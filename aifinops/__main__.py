"""`python -m aifinops` runs the same CLI as the console script."""

from aifinops.cli import main

if __name__ == "__main__":
    main()
