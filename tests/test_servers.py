"""The server backend beyond what tests/test_index.py runs on both: migrations, the doctor's
checks of the servers, text search in each article's language, and what the bot replicas
share through the database (Slack event claims, feedback)."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from bot.answers import Answer
from bot.slack.core import claims_for
from bot.slack.feedback import FeedbackStore
from ingest.pipeline import ingest
from newsdesk.index import Index, IndexProblem
from newsdesk.index.feedback import open_feedback
from newsdesk.index.postgres import MIGRATIONS
from newsdesk.settings import Settings
from tests.support.paths import MINILM
from tests.support.servers import Servers, free_port
from tests.support.settings import cli_command, cli_env, make_settings
from tests.support.slack import citation
from tests.test_index import FLOODS, KURSK, article


@pytest.fixture
def settings(servers: Servers, tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", **servers.settings_fields())


def newsdesk(settings: Settings, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """`newsdesk ARGS` in a subprocess on the servers these settings name."""
    servers = {
        "NEWSDESK_EMBEDDER": MINILM,
        "NEWSDESK_DATABASE_URL": settings.database_url.get_secret_value(),
        "NEWSDESK_CHROMA_HOST": settings.chroma_host or "",
        "NEWSDESK_CHROMA_PORT": str(settings.chroma_port),
        "NEWSDESK_CHROMA_COLLECTION": settings.chroma_collection,
    }
    env = cli_env(settings.data_dir, **{**servers, **variables})
    return subprocess.run(cli_command(*args), env=env, capture_output=True, text=True, timeout=300)


def test_a_database_is_used_only_once_newsdesk_migrate_has_run(
    servers: Servers, tmp_path: Path
) -> None:
    fields = {**servers.settings_fields(), "database_url": servers.database(migrated=False)}
    settings = make_settings(tmp_path / "data", **fields)
    with pytest.raises(IndexProblem, match="run `newsdesk migrate`"):
        Index(settings)
    first = newsdesk(settings, "migrate")
    latest = len(MIGRATIONS)
    assert first.returncode == 0 and f"from schema 0 to {latest}" in first.stdout, first.stderr
    again = newsdesk(settings, "migrate")
    assert again.returncode == 0 and f"up to date (schema {latest})" in again.stdout, again.stderr
    Index(settings).close()


def test_doctor_checks_both_servers_and_shows_no_password(settings: Settings) -> None:
    url = settings.database_url.get_secret_value().replace("newsdesk@", "newsdesk:s3cret@")
    healthy = newsdesk(settings, "doctor", NEWSDESK_DATABASE_URL=url)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "catalog: PostgreSQL at 127.0.0.1:" in healthy.stdout
    assert f"vectors: Chroma server at 127.0.0.1:{settings.chroma_port}" in healthy.stdout

    no_chroma = newsdesk(settings, "doctor", NEWSDESK_CHROMA_PORT=str(free_port()))
    assert no_chroma.returncode == 1
    assert "Chroma server at 127.0.0.1:" in no_chroma.stdout
    assert "NEWSDESK_CHROMA_HOST" in no_chroma.stdout

    down = url.replace(url.split("@")[1].split("/")[0], f"127.0.0.1:{free_port()}")
    no_postgres = newsdesk(settings, "doctor", NEWSDESK_DATABASE_URL=down)
    assert no_postgres.returncode != 0
    said = no_postgres.stdout + no_postgres.stderr
    assert "cannot reach the PostgreSQL catalog" in said and "NEWSDESK_DATABASE_URL" in said
    assert "s3cret" not in said + healthy.stdout + healthy.stderr


def test_text_search_stems_each_article_in_its_own_language(settings: Settings, e5: object) -> None:
    """A Romanian word in another form, without its diacritics, finds the Romanian article; an
    English or French word in another form finds those (FTS5 matches whole words only)."""
    french = article(
        "Les soldats ont été évacués vers la frontière après les inondations de mardi.",
        title="Évacuation", lang="fr",
    )  # fmt: skip
    index = Index(settings, e5)  # type: ignore[arg-type]
    try:
        ingest([KURSK, FLOODS, french], index)

        def found(*terms: str) -> set[str]:
            hits = index.lexical_search(list(terms), 10)
            return {chunk.article.article_id for chunk in index.chunks([c for c, _ in hits])}

        assert found("soldatilor") == {KURSK.article_id}  # soldați, with ți and no diacritics
        assert found("evacuation") == {FLOODS.article_id, french.article_id}  # evacuated, évacués
        assert found("soldat", "flood") == {KURSK.article_id, FLOODS.article_id, french.article_id}
        assert found("Pentagon") == {KURSK.article_id}  # "Pentagonul": the article is a suffix
        assert found("Pentagram") == set()
    finally:
        index.close()


def test_a_slack_event_is_claimed_once_across_replicas(settings: Settings) -> None:
    """Two replicas (two claim stores on one database), ten threads each, one redelivered event:
    exactly one claim wins; another event is still free."""
    replicas = [claims_for(settings), claims_for(settings)]
    wins: list[bool] = []
    threads = [
        threading.Thread(target=lambda r=replica: wins.append(r.claim("event:Ev1")))
        for replica in replicas for _ in range(10)
    ]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 19 + [True]
    assert replicas[1].claim("event:Ev2") and not replicas[0].claim("event:Ev2")


def test_feedback_is_shared_by_the_replicas(settings: Settings) -> None:
    """An answer kept by one replica is voted on through another; both list the vote."""
    one, other = FeedbackStore(open_feedback(settings)), FeedbackStore(open_feedback(settings))
    answer = Answer(question="Where?", answer="Kursk [1].", language="en", abstained=False,
                    citations=(citation(1),))  # fmt: skip
    answer_id = one.save_answer(answer, user="U1", channel="C1")
    assert other.answer(answer_id) == answer
    other.vote(answer_id, "U2", "up")
    one.vote(answer_id, "U2", "down")  # the same user changes their mind on the other replica
    assert [(v.user, v.vote, v.chunk_ids) for v in other.votes()] == [("U2", "down", ("a1-h-0",))]
    assert one.votes() == other.votes()


def test_a_url_of_another_database_is_refused_without_showing_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", database_url="mysql://newsdesk:s3cret@db/news")
    with pytest.raises(IndexProblem, match="must be a postgresql://") as refused:
        Index(settings)
    assert "s3cret" not in str(refused.value)
