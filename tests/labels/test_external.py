from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from labels.corpora import load_corpus
from labels.errors import DataError, DataErrors, UnknownLabelError
from labels.external import load_semeval2023, load_szeged
from labels.schema import load_schema
from tests.conftest import write

SEMEVAL = load_schema("semeval2023_techniques")
SZEGED = load_schema("szeged_hedging")


def mini_semeval(root: Path, labels: str | None = None) -> Path:
    write(root / "articles" / "article1.txt", "Title here\n\nFirst body line.\nSecond, loaded line!\n")
    write(root / "articles" / "article2.txt", "Other title\n")
    write(root / "train.template", "1\t1\tTitle here\n1\t3\tFirst body line.\n1\t4\tSecond, loaded line!\n"
                                   "2\t1\tOther title\n")
    write(root / "train.labels", labels or "1\t1\t\n1\t3\tDoubt\n1\t4\tLoaded_Language,Repetition\n2\t1\t\n")
    return root


def test_semeval_reader_gives_offsets_into_the_article(tmp_path: Path):
    examples = load_semeval2023(mini_semeval(tmp_path), SEMEVAL)
    assert [(e.id, e.labels) for e in examples] == [
        ("1:1", ()), ("1:3", ("Doubt",)), ("1:4", ("Loaded_Language", "Repetition")), ("2:1", ())]
    body = (tmp_path / "articles" / "article1.txt").read_text()
    assert all(body[e.start:e.end] == e.text for e in examples if e.doc_id == "1")


def test_semeval_unknown_technique_names_labels_line(tmp_path: Path):
    root = mini_semeval(tmp_path, "1\t1\t\n1\t3\tDoubts\n1\t4\tLoaded_Language\n2\t1\t\n")
    with pytest.raises(UnknownLabelError) as info:
        load_semeval2023(root, SEMEVAL)
    assert info.value.line == 2 and info.value.path.endswith("train.labels") and info.value.suggestion == "Doubt"


def test_semeval_mismatch_missing_article_and_unlabelled_lines(tmp_path: Path):
    root = mini_semeval(tmp_path)
    write(root / "train.template", "1\t1\tTitle HERE\n1\t3\tFirst body line.\n3\t1\tGhost\n")
    write(root / "train.labels", "1\t1\t\n1\t3\t\n3\t1\t\n1\t4\tDoubt\n")
    with pytest.raises(DataErrors) as info:
        load_semeval2023(root, SEMEVAL)
    messages = sorted(str(e) for e in info.value.errors)
    assert any("train.template:1: text differs from line 1 of article 1" in m for m in messages)
    assert any("train.template:3: article file articles/article3.txt not found" in m for m in messages)
    assert any("train.labels:4: article 1 line 4 has labels but no text" in m for m in messages)


def test_szeged_reader_cues_make_a_sentence_uncertain(tmp_path: Path):
    path = write(tmp_path / "mini.xml", """<?xml version="1.0"?>
<Annotation><DocumentSet>
<Document><DocID>docA</DocID><DocumentPart>
<Sentence id="S1.1">The vote  was held on Monday.</Sentence>
<Sentence id="S1.2">Officials <ccue type="speculation">may</ccue> delay the   count.</Sentence>
</DocumentPart></Document>
<Document><DocID>docB</DocID><DocumentPart><Sentence id="S2.1">It is <ccue>thought</ccue> to be old.</Sentence>
</DocumentPart></Document>
</DocumentSet></Annotation>""")
    examples = load_szeged(path, SZEGED)
    assert [(e.id, e.text, e.labels) for e in examples] == [
        ("docA:S1.1", "The vote was held on Monday.", ("certain",)),
        ("docA:S1.2", "Officials may delay the count.", ("uncertain",)),
        ("docB:S2.1", "It is thought to be old.", ("uncertain",)),
    ]


def test_szeged_malformed_xml_names_line(tmp_path: Path):
    path = write(tmp_path / "bad.xml", "<Annotation>\n<Document>\n<DocID>x</DocID>\n</Annotation>\n")
    with pytest.raises(DataError) as info:
        load_szeged(path, SZEGED)
    assert info.value.line == 4 and "malformed XML" in info.value.message


def test_szeged_needs_a_binary_schema(tmp_path: Path):
    with pytest.raises(DataError, match="certain/uncertain"):
        load_szeged(tmp_path / "x.xml", load_schema("framing"))


def test_real_semeval_counts_match_the_corpus_readme(shared: Path):
    examples = load_corpus("semeval2023", shared=shared).examples
    assert len(examples) == 9498
    assert sum(1 for e in examples if e.labels) == 3760
    counts = Counter(label for e in examples for label in e.labels)
    assert counts["Loaded_Language"] == 1809 and counts["Name_Calling-Labeling"] == 979
    assert counts["Repetition"] == 544 and counts["Doubt"] == 518
    assert len(counts) == 19  # four techniques exist only in the task's other languages
    assert len({e.doc_id for e in examples}) == 446


@pytest.mark.parametrize(("name", "documents", "sentences", "uncertain"),
                         [("szeged-factbank", 208, 3129, 554), ("szeged-wiki", 4530, 20748, 2606)])
def test_real_szeged_counts_match_the_corpus_readme(shared: Path, name, documents, sentences, uncertain):
    examples = load_corpus(name, shared=shared).examples
    assert len(examples) == sentences
    assert sum(e.labels == ("uncertain",) for e in examples) == uncertain
    assert len({e.doc_id for e in examples}) <= documents
