"""The error every user-facing failure raises: its message is one line that says what to do."""


class NewsdeskError(Exception):
    """A failure the user can act on; the CLI prints it as one line and exits non-zero."""
