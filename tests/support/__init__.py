"""What several test files share: paths, settings, log capture, index snapshots, Slack helpers.

Test files import from here; `tests/conftest.py` re-exports the old names (ROOT, EXAMPLES,
SAMPLE_ARTICLE, SHARED, make_settings) so existing imports keep working."""
