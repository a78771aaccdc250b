from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labels.segmentation import MAX_SENTENCE_CHARS, segment

BULLETS = "•·▪▫‣◦●○■□►▶✓✔→–—"


def texts(text: str, **kwargs) -> list[str]:
    return [s.text for s in segment(text, **kwargs)]


def check_invariants(text: str) -> None:
    """Offsets round-trip, spans are ordered and trimmed, and no visible character is lost."""
    sentences = segment(text)
    covered = bytearray(len(text))
    previous_end = 0
    for i, s in enumerate(sentences):
        assert s.index == i
        assert text[s.start:s.end] == s.text
        assert s.text == s.text.strip() and s.text
        assert s.start >= previous_end
        previous_end = s.end
        covered[s.start:s.end] = b"\x01" * (s.end - s.start)
    for i, char in enumerate(text):
        if not covered[i] and not char.isspace():
            # the only characters allowed outside sentences are leading bullet markers
            line_start = max(text.rfind("\n", 0, i), text.rfind("\r", 0, i)) + 1
            prefix = text[line_start:i + 1].strip()
            assert all(c in BULLETS or c in "-*>" for c in prefix), (i, char, text)


def test_sentences_and_exact_offsets():
    text = "Talks resumed on Monday. The union said it would strike again! Would it? Yes."
    assert texts(text) == ["Talks resumed on Monday.", "The union said it would strike again!", "Would it?", "Yes."]
    check_invariants(text)


def test_abbreviations_do_not_split():
    text = "Dr. Amara Osei met U.S. envoys in St. Louis on Jan. 5. Talks went well."
    assert texts(text) == ["Dr. Amara Osei met U.S. envoys in St. Louis on Jan. 5.", "Talks went well."]


def test_every_line_break_is_a_boundary_for_headlines():
    text = "Union digs in as talks collapse\nThe strike enters its third week."
    assert texts(text) == ["Union digs in as talks collapse", "The strike enters its third week."]


def test_bullets_are_trimmed_but_offsets_stay_exact():
    text = "Headline\n  • First point here.\n- Second point.\n* Third.\n-5% is not a bullet.\n▪Fourth"
    sentences = segment(text)
    assert [s.text for s in sentences] == ["Headline", "First point here.", "Second point.", "Third.",
                                           "-5% is not a bullet.", "Fourth"]
    assert all(text[s.start:s.end] == s.text for s in sentences)
    check_invariants(text)


def test_repeated_headlines_are_kept_with_distinct_offsets():
    headline = "Strike ends after deal on pay"
    text = f"{headline}\n\n{headline}\n{headline}\nBody text follows."
    sentences = segment(text)
    assert [s.text for s in sentences] == [headline] * 3 + ["Body text follows."]
    assert len({s.start for s in sentences}) == 4


def test_quotes_spanning_sentences_keep_their_marks():
    text = "“We will not move. Our terms are known,” she said. Talks stalled."
    assert texts(text) == ["“We will not move.", "Our terms are known,” she said.", "Talks stalled."]
    text = 'He said: "Not now." Then he left.'
    assert texts(text) == ['He said: "Not now."', "Then he left."]


def test_interview_speaker_tags_stay_in_the_sentence():
    text = "Host: Good morning. Will the truce hold?\nDr. Lena Park: It is too early to say."
    assert texts(text) == ["Host: Good morning.", "Will the truce hold?", "Dr. Lena Park: It is too early to say."]


def test_paragraph_mode_joins_hard_wrapped_lines():
    text = "The union said the offer\nwas not enough.\n\nTalks resume on Friday."
    assert texts(text, blocks="paragraph") == ["The union said the offer\nwas not enough.", "Talks resume on Friday."]
    assert texts(text) == ["The union said the offer", "was not enough.", "Talks resume on Friday."]
    with pytest.raises(ValueError, match="blocks must be"):
        segment(text, blocks="page")


def test_windows_newlines_and_unicode_offsets():
    text = "Erdoğan’s envoy arrived.\r\nKyiv said “no.”\r\n"
    sentences = segment(text)
    assert [s.text for s in sentences] == ["Erdoğan’s envoy arrived.", "Kyiv said “no.”"]
    check_invariants(text)


def test_pathological_inputs_are_bounded():
    long_line = "word " * 40_000  # 200 kB without a full stop or line break
    sentences = segment(long_line)
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert sum(len(s.text.split()) for s in sentences) == 40_000
    check_invariants(long_line)
    assert segment("") == [] and segment(" \n\t\n") == []
    assert texts("• \n–\n") == []  # bullets alone carry nothing


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab .,!?\"“”'’\n\t•-*()09é") + ["U.S.", "Dr.", " Talks", "\r\n"]),
                max_size=120).map("".join))
def test_property_offsets_and_coverage(text: str):
    check_invariants(text)


def test_seed_articles_segment_cleanly(seeds: Path):
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        check_invariants(text)
        sentences = segment(text)
        assert sentences, path
        assert not any(s.text.startswith(tuple(BULLETS)) for s in sentences)
