"""Sentence splitting and chunking: whole sentences, exact offsets, any language."""

from __future__ import annotations

from ingest.chunking import chunk_text
from ingest.sentences import split_sentences
from newsdesk.articles import normalise_text
from tests.support.paths import SAMPLE_ARTICLE


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_abbreviations_numbers_and_initials_do_not_end_sentences() -> None:
    text = "Dr. J. R. Smith met Mr. Brown in the U.S. capital on Monday. About 8.000 troops came."
    assert sentences(text) == [
        "Dr. J. R. Smith met Mr. Brown in the U.S. capital on Monday.",
        "About 8.000 troops came.",
    ]


def test_romanian_quotes_and_diacritics() -> None:
    text = (
        "„Dacă aceste trupe intră în luptă, vor deveni ținte legitime.” a spus dl. Blinken. "
        "Șeful diplomației a plecat. Întrebarea rămâne: ce urmează?"
    )
    assert sentences(text) == [
        "„Dacă aceste trupe intră în luptă, vor deveni ținte legitime.” a spus dl. Blinken.",
        "Șeful diplomației a plecat.",
        "Întrebarea rămâne: ce urmează?",
    ]


def test_closing_quote_after_full_stop_stays_with_its_sentence() -> None:
    text = 'He said "we will go." Then he left. «C\'est fini.» Elle part.'
    assert sentences(text) == ['He said "we will go."', "Then he left.", "«C'est fini.»", "Elle part."]


def test_paragraph_breaks_end_sentences_even_without_punctuation() -> None:
    assert sentences("A headline without a stop\n\nThe body starts here.") == [
        "A headline without a stop",
        "The body starts here.",
    ]


def test_every_non_space_character_is_in_exactly_one_sentence() -> None:
    text = normalise_text(SAMPLE_ARTICLE.read_text(encoding="utf-8"))
    spans = split_sentences(text)
    covered = "".join(text[s.start : s.end] for s in spans)
    assert "".join(covered.split()) == "".join(text.split())
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


def test_chunks_are_whole_sentences_with_exact_offsets() -> None:
    text = normalise_text(SAMPLE_ARTICLE.read_text(encoding="utf-8"))
    chunks = chunk_text(text, "a1", "h" * 32, size=400, overlap=150)
    assert len(chunks) > 3
    boundaries = {s.start for s in split_sentences(text)} | {s.end for s in split_sentences(text)}
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.start in boundaries and chunk.end in boundaries
        assert len(chunk.text) <= 400 or len(chunk.sentences) == 1
        for span in chunk.sentences:
            assert chunk.text[span.start : span.end].strip() == chunk.text[span.start : span.end]
    # Every sentence of the article is in some chunk.
    for s in split_sentences(text):
        assert any(c.start <= s.start and s.end <= c.end for c in chunks)


def test_overlap_repeats_trailing_sentences_inside_a_long_paragraph() -> None:
    paragraph = " ".join(f"Sentence number {i} says something about the news." for i in range(30))
    chunks = chunk_text(paragraph, "a1", "h" * 32, size=300, overlap=120)
    assert len(chunks) > 2
    for previous, current in zip(chunks, chunks[1:]):
        assert current.start < previous.end, "a break inside a paragraph repeats some text"
        assert current.start > previous.start


def test_no_overlap_across_paragraphs_and_short_paragraphs_merge() -> None:
    text = "\n\n".join(f"Short paragraph {i} ends here." for i in range(10))
    chunks = chunk_text(text, "a1", "h" * 32, size=200, overlap=100)
    assert 1 < len(chunks) < 10
    for previous, current in zip(chunks, chunks[1:]):
        assert current.start > previous.end


def test_a_sentence_longer_than_the_size_is_a_chunk_of_its_own() -> None:
    long_sentence = "Word " + "word " * 100 + "end."
    text = f"First. {long_sentence} Last one."
    chunks = chunk_text(text, "a1", "h" * 32, size=200, overlap=50)
    assert any(chunk.text == long_sentence.strip() for chunk in chunks)


def test_chunk_ids_change_with_content() -> None:
    a = chunk_text("One sentence. Two sentences.", "id", "a" * 32)
    b = chunk_text("One sentence. Two sentences.", "id", "b" * 32)
    assert a[0].chunk_id != b[0].chunk_id
    assert a[0].chunk_id.split("-")[0] == b[0].chunk_id.split("-")[0]
