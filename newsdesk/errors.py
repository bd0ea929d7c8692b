"""The root of every exception newsdesk raises: its message is one line that says what to do.

The families below it (`ingest.errors.IngestError`, `prompts.PromptError`,
`newsdesk.e5_convert.ConversionError`, ...) also keep the built-in base they had, so a caller
catching `ValueError` or `KeyError` still catches them; `tests/test_architecture.py` keeps
every exception class under this root.
"""


class NewsdeskError(Exception):
    """A failure the user can act on; the CLI prints it as one line and exits non-zero."""
