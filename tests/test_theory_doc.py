"""docs/theory.md explains every theory id the code cites, and cites nothing it leaves unexplained.

An id is a topic (T1, T2, ...) or a source's short name (Z20, R23, F18, V24, ZJFW20, ...:
capital letters and a two-digit year). Citations are collected from the comments and string
literals (docstrings included) of every ``.py`` file, and the text of every ``.md`` file, in
``l0l1/`` and ``proofs_check/``; a range such as "T3-T5" cites T3, T4 and T5. An id counts as
explained when a Markdown heading of docs/theory.md contains it.
"""

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "theory.md"
CODE_DIRS = ("l0l1", "proofs_check")
ID = re.compile(r"\b(T\d+|[A-Z]{1,6}\d{2})\b")
RANGE = re.compile(r"\bT(\d+)\s*(?:-|\.\.|to)\s*T(\d+)\b")
HEADING = re.compile(r"^#{1,6}\s+(.*)$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def ids_in(text: str) -> set[str]:
    """Every id cited in ``text``, with topic ranges expanded."""
    found = set(ID.findall(text))
    for lo, hi in RANGE.findall(text):
        found |= {f"T{k}" for k in range(int(lo), int(hi) + 1)}
    return found


def comments_and_strings(source: str) -> str:
    """The comments and string literals (docstrings included) of Python ``source``."""
    kinds = {tokenize.COMMENT, tokenize.STRING}
    kinds.add(getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING))  # Python >= 3.12
    toks = tokenize.generate_tokens(io.StringIO(source).readline)
    return "\n".join(tok.string for tok in toks if tok.type in kinds)


def cited_in_code() -> dict[str, set[str]]:
    """id -> the files (relative paths) that cite it."""
    cited: dict[str, set[str]] = {}
    for top in CODE_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix == ".py":
                text = comments_and_strings(path.read_text(encoding="utf-8"))
            elif path.suffix == ".md":
                text = path.read_text(encoding="utf-8")
            else:
                continue
            for key in ids_in(text):
                cited.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return cited


def heading_ids(markdown: str) -> set[str]:
    """Ids named in the Markdown headings of ``markdown`` (code blocks ignored)."""
    return set().union(*(ids_in(h) for h in HEADING.findall(FENCE.sub("", markdown))))


def unexplained(cited, markdown: str) -> list[str]:
    """The ids in ``cited`` that no heading of ``markdown`` names, sorted."""
    return sorted(set(cited) - heading_ids(markdown))


DOC_TEXT = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
CODE_IDS = cited_in_code()


def test_theory_doc_exists_and_code_cites_ids():
    assert DOC.exists(), "docs/theory.md is missing"
    # The collection works: the package cites these (if this fails, the scan is broken).
    assert {"T1", "T5", "Z20", "F18"} <= set(CODE_IDS)


@pytest.mark.parametrize("key", sorted(CODE_IDS))
def test_cited_id_has_a_section(key):
    assert not unexplained([key], DOC_TEXT), (
        f"{key} is cited in {', '.join(sorted(CODE_IDS[key]))} but docs/theory.md has no "
        f"heading containing {key}: add a section (formulas, source, status, modules)"
    )


def test_doc_cites_only_explained_ids():
    missing = unexplained(ids_in(DOC_TEXT), DOC_TEXT)
    assert not missing, f"docs/theory.md cites {missing} without a heading explaining them"


def test_doc_links_each_topic_to_code():
    """Each topic section says which modules implement or certify it."""
    sections = re.split(r"^## ", DOC_TEXT, flags=re.MULTILINE)
    for key in sorted(k for k in CODE_IDS if k.startswith("T")):
        body = next((s for s in sections if s.startswith(f"{key}.")), None)
        assert body is not None, f"no '## {key}. ...' section in docs/theory.md"
        assert re.search(r"`(l0l1|proofs_check)/|`t7_\d\d", body), f"{key}: no module named"


# --- the checks above can fail --------------------------------------------------------------


def test_a_fake_citation_is_caught():
    doc = "# Theory\n\n## T1. Smoothness\n\nSee also T9 and Q77.\n\n### Z20. Zhang et al.\n"
    source = '"""Uses T9 (see T1-T3)."""\nx = 1  # Q77 and Z20\ny = "T8"\nT10 = 3\n'
    cited = ids_in(comments_and_strings(source))
    assert cited == {"T1", "T2", "T3", "T8", "T9", "Q77", "Z20"}  # not the name T10
    assert unexplained(cited, doc) == ["Q77", "T2", "T3", "T8", "T9"]
    assert unexplained(ids_in(doc), doc) == ["Q77", "T9"]
    assert unexplained({"T1", "Z20"}, doc) == []


def test_ids_in_code_blocks_are_not_headings():
    doc = "```\n# T9 in a shell comment\n```\n## T1. Smoothness\n"
    assert heading_ids(doc) == {"T1"}
