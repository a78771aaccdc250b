"""Sentence segmentation with exact character offsets, shared by annotation and tagging.

Scraped news is not prose: headlines without a full stop, bullet glyphs, repeated
headlines, one paragraph per line, interview transcripts. So the text is first cut
into blocks at line breaks (each line of a scraped page is a paragraph, a headline
or a bullet), bullet glyphs and surrounding blanks are trimmed, and only then is
each block split into sentences by syntok, whose tokenizer keeps every token's
offset into the original string. Nothing else is dropped: every character that is
not white space or a leading bullet glyph lies inside exactly one sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from syntok import segmenter as _syntok

# Glyphs that start a bullet line in scraped pages. '-', '*', '>' count only when
# followed by a blank, so "-5%" or "*Correction" keep their first character.
_BULLET_GLYPHS = "•·▪▫‣◦●○■□►▶✓✔→–—"
_BULLET = re.compile(rf"(?:[{_BULLET_GLYPHS}]+\s*|[-*>]+\s+)")
_LINE_BLOCK = re.compile(r"[^\n\r\u2028\u2029\x0b\x0c\x85]+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_HAS_WORD = re.compile(r"\w")

# syntok is linear but keeps whole blocks in memory; pathological inputs (a 50 MB
# file without a line break) are cut at white space before it sees them.
MAX_BLOCK_CHARS = 20_000
# A "sentence" longer than this is not one (tables, minified text); it is cut at
# white space so that downstream models see bounded inputs.
MAX_SENTENCE_CHARS = 1_500


@dataclass(frozen=True)
class Sentence:
    """One segment: ``text == document[start:end]``."""

    index: int
    start: int
    end: int
    text: str


def segment(
    text: str,
    *,
    blocks: Literal["line", "paragraph"] = "line",
    max_sentence_chars: int = MAX_SENTENCE_CHARS,
) -> list[Sentence]:
    """Split ``text`` into sentences whose offsets index the original string.

    ``blocks="line"`` (default) treats every line break as a hard boundary, which is
    right for scraped pages and one-paragraph-per-line corpora; ``"paragraph"`` only
    breaks at blank lines, for hard-wrapped plain text.
    """
    spans = []
    for block_start, block_end in _blocks(text, blocks):
        for start, end in _sentences_in_block(text, block_start, block_end):
            spans.extend(_cap_length(text, start, end, max_sentence_chars))
    return [Sentence(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]


def _blocks(text: str, mode: str) -> Iterator[tuple[int, int]]:
    if mode == "line":
        raw = ((m.start(), m.end()) for m in _LINE_BLOCK.finditer(text))
    elif mode == "paragraph":
        raw = _split_on(text, _PARAGRAPH_BREAK)
    else:
        raise ValueError(f"blocks must be 'line' or 'paragraph', got {mode!r}")
    for start, end in raw:
        start, end = _trim(text, start, end)
        if start >= end:
            continue
        bullet = _BULLET.match(text, start, end)
        if bullet:
            start, end = _trim(text, bullet.end(), end)
            if start >= end:
                continue
        yield from _chunk(text, start, end, MAX_BLOCK_CHARS)


def _split_on(text: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    position = 0
    for match in pattern.finditer(text):
        yield position, match.start()
        position = match.end()
    yield position, len(text)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _chunk(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut [start, end) into pieces of at most ``limit`` chars, preferring white space."""
    while end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        if cut <= start:
            cut = start + limit
        piece = _trim(text, start, cut)
        if piece[0] < piece[1]:
            yield piece
        start, _ = _trim(text, cut, end)
    if start < end:
        yield start, end


def _sentences_in_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
    block = text[start:end]
    spans: list[tuple[int, int]] = []
    for paragraph in _syntok.analyze(block):
        for tokens in paragraph:
            if not tokens:
                continue
            first, last = tokens[0], tokens[-1]
            spans.append((start + first.offset, start + last.offset + len(last.value)))
    if not spans:  # syntok found no tokens (e.g. only symbols): keep the block whole
        return [(start, end)]
    # Fragments without a word character (a stray closing quote or ")") belong to
    # the sentence before them; a leading one is attached to the next.
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and not _HAS_WORD.search(text, s, e):
            merged[-1] = (merged[-1][0], e)
        elif merged and not _HAS_WORD.search(text, *merged[-1]):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    # syntok may skip characters it does not tokenize; extend spans so that no
    # visible character between or around them is lost.
    out = [[s, e] for s, e in merged]
    out[0][0] = start
    for i, span in enumerate(out):
        next_start = out[i + 1][0] if i + 1 < len(out) else end
        gap_start, gap_end = _trim(text, span[1], next_start)
        if gap_start < gap_end:
            span[1] = gap_end
    return [(s, e) for s, e in out]


def _cap_length(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    if end - start <= limit:
        yield start, end
    else:
        yield from _chunk(text, start, end, limit)
