"""`python -m spocmail` is the `spocmail` command."""

from spocmail.cli import main

main()
