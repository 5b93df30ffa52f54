"""The bilingual glossary (docs/glossary.md) covers every term the notebooks introduce.

Each notebook's Summary lists its new terms in one paragraph, for example

    New terms: anomaly (异常), anomaly score (异常分数), point / contextual / collective
    anomaly (点异常 / 上下文异常 / 集体异常).

Every listed term must be a row of the glossary, with the same 中文 term. The parser accepts
bold or plain "New terms", commas or semicolons (also the Chinese ones) between terms,
"a / b / c noun" groups, an abbreviation in parentheses and an optional 中文 term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT

GLOSSARY = ROOT / "docs" / "glossary.md"
CJK = re.compile(r"[\u3400-\u9fff]")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
NEW_TERMS = re.compile(r"^[\s>*_-]*(?:\*\*|__)?new terms(?:\*\*|__)?\s*(?:\([^)]*\))?\s*"
                       r"(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?", re.I)


@dataclass(frozen=True)
class Term:
    english: str
    chinese: str  # "" when the notebook gives none
    where: str


# --- parsing ----------------------------------------------------------------------------------

def normalize(name: str) -> str:
    """Compare terms loosely: case, Markdown, hyphens, plural s and spacing do not matter."""
    name = re.sub(r"[*_`]", "", name).lower().replace("-", " ").replace("–", " ")
    return " ".join(_singular(w) for w in re.findall(r"[a-z0-9α-ω′'+·.]+", name))


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _split_top_level(text: str, separators: str) -> list[str]:
    """Split at separators that are not inside parentheses."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _expand_group(english: str) -> list[str]:
    """"point / contextual / collective anomaly" -> three terms sharing the last word(s)."""
    parts = [p.strip() for p in re.split(r"\s+/\s+|(?<=\w)/(?=\w)", english) if p.strip()]
    if len(parts) < 2:
        return [english.strip()]
    last = parts[-1].split()
    if len(last) > 1 and all(len(p.split()) == 1 for p in parts[:-1]):
        shared = " ".join(last[1:])
        return [f"{p} {shared}" for p in parts[:-1]] + [parts[-1]]
    return parts


def parse_item(item: str, where: str) -> list[Term]:
    """One listed item, e.g. "multi-layer perceptron (MLP) (多层感知机)", as Term(s)."""
    item = re.sub(r"^(and|or)\s+", "", re.sub(r"[*_`]", "", item).strip()).strip(" .。")
    chinese = ""
    groups = list(re.finditer(r"[(（]([^()（）]*)[)）]", item))
    for g in reversed(groups):
        if CJK.search(g.group(1)):
            chinese = g.group(1).strip()
            item = (item[:g.start()] + item[g.end():]).strip()
            break
    english = _expand_group(item)
    chinese_parts = [c.strip() for c in re.split(r"\s*[/／]\s*", chinese)] if chinese else []
    if len(chinese_parts) != len(english):
        chinese_parts = [chinese] * len(english)
    return [Term(e, c, where) for e, c in zip(english, chinese_parts, strict=True)]


def summary_lines(nb) -> list[str]:
    """The Markdown lines of the Summary section (until the next heading at its level)."""
    lines, level = [], None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            heading = HEADING.match(line)
            if heading:
                if heading.group(2).strip().lower().startswith("summary"):
                    level = len(heading.group(1))
                    continue
                if level is not None and len(heading.group(1)) <= level:
                    level = None
            if level is not None:
                lines.append(line)
        if level is not None:
            lines.append("")  # a cell boundary ends a paragraph
    return lines


def new_terms(nb, where: str) -> list[Term] | None:
    """The terms of the Summary's "New terms:" paragraph; None when there is none."""
    lines = summary_lines(nb)
    for i, line in enumerate(lines):
        match = NEW_TERMS.match(line)
        if not match:
            continue
        paragraph = [line[match.end():]]
        for nxt in lines[i + 1:]:
            if not nxt.strip() or HEADING.match(nxt) or re.match(r"\s*[-*+]\s", nxt):
                break
            paragraph.append(nxt)
        text = " ".join(p.strip() for p in paragraph)
        terms = []
        for item in _split_top_level(text, ",;，；、"):
            terms += parse_item(item, where)
        return terms
    return None


def read_glossary(path: Path = GLOSSARY) -> dict[str, tuple[str, str, str]]:
    """normalized name -> (English as written, 中文, definition), from the Markdown table(s).

    The English cell may give alternative names separated by ";" and an abbreviation in
    parentheses ("multi-layer perceptron (MLP)"): each is a name of the row.
    """
    rows: dict[str, tuple[str, str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 3 or set(cells[0]) <= set("-: "):
            continue
        english, chinese, definition = cells[0], cells[1], " | ".join(cells[2:])
        if english.lower() in ("english", "term"):
            continue
        for name in _names(english):
            rows.setdefault(normalize(name), (english, chinese, definition))
    return rows


def _names(english: str) -> list[str]:
    names = []
    for part in english.split(";"):
        part = re.sub(r"[*_`]", "", part).strip()
        inner = re.findall(r"\(([^)]*)\)", part)
        names += [part, re.sub(r"\s*\([^)]*\)", "", part).strip(), *inner]
    return [n for n in names if n]


def missing_terms(terms: list[Term], glossary: dict) -> list[Term]:
    def found(t: Term) -> bool:
        return any(normalize(n) in glossary for n in _names(t.english))
    return [t for t in terms if not found(t)]


def chinese_mismatches(terms: list[Term], glossary: dict) -> list[str]:
    out = []
    for t in terms:
        row = next((glossary[normalize(n)] for n in _names(t.english)
                    if normalize(n) in glossary), None)
        if not row or not t.chinese:
            continue
        unknown = [c for c in re.split(r"\s*[/／]\s*", t.chinese) if c and c not in row[1]]
        if unknown:
            out.append(f"{t.where}: {t.english} ({t.chinese}) but the glossary says {row[1]}")
    return out


# --- the repository ---------------------------------------------------------------------------

def _read(path):
    return nbformat.read(path, as_version=4)


def test_glossary_rows_are_complete():
    glossary = read_glossary()
    assert len(glossary) > 50, "docs/glossary.md should have a table row per course term"
    problems = []
    for english, chinese, definition in set(glossary.values()):
        if not CJK.search(chinese):
            problems.append(f"{english}: the 中文 column is empty or has no Chinese ({chinese!r})")
        if len(definition) < 15:
            problems.append(f"{english}: the one-line definition is missing or too short")
    assert problems == [], "\n".join(problems)


def test_glossary_has_no_duplicate_terms():
    seen, duplicates = {}, []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and len(cells) >= 3 and not set(cells[0]) <= set("-: "):
            key = normalize(re.sub(r"\s*\([^)]*\)", "", cells[0].split(";")[0]))
            if key in seen and key not in ("english", "term"):
                duplicates.append(cells[0])
            seen[key] = True
    assert duplicates == [], f"terms listed twice in docs/glossary.md: {duplicates}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_summary_lists_new_terms(path):
    terms = new_terms(_read(path), path.name)
    assert terms, (f"{path.name}: the Summary needs a paragraph 'New terms: term (中文), ...' "
                   "listing the terms this notebook introduces (HOUSE_STYLE: Summary)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_glossary_covers_the_summary_terms(path):
    terms = new_terms(_read(path), path.name) or []
    missing = missing_terms(terms, read_glossary())
    assert missing == [], (
        f"{path.name} introduces terms that docs/glossary.md lacks; add a row "
        "'| English | 中文 | one-line definition |' for each:\n"
        + "\n".join(f"  {t.english} ({t.chinese or '中文?'})" for t in missing))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_and_glossary_use_the_same_chinese_term(path):
    terms = new_terms(_read(path), path.name) or []
    mismatches = chinese_mismatches(terms, read_glossary())
    assert mismatches == [], ("one term, two translations (add the notebook's to the glossary "
                              "row, or use the glossary's):\n" + "\n".join(mismatches))


# --- the parser and the check can fail --------------------------------------------------------

def _notebook(summary: str):
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 99 · Test"),
        nbformat.v4.new_markdown_cell(f"## Summary\n\n- a point\n\n{summary}\n\n## Exercises"),
        nbformat.v4.new_markdown_cell("New terms: not in the summary (不在)"),
    ])


def test_parser_reads_the_house_format():
    nb = _notebook("**New terms:** anomaly (异常), point / contextual / collective anomaly "
                   "(点异常 / 上下文异常 / 集体异常); multi-layer perceptron (MLP) (多层感知机)，"
                   "\nand gradient check (梯度检验).")
    terms = new_terms(nb, "t")
    assert [(t.english, t.chinese) for t in terms] == [
        ("anomaly", "异常"), ("point anomaly", "点异常"), ("contextual anomaly", "上下文异常"),
        ("collective anomaly", "集体异常"), ("multi-layer perceptron (MLP)", "多层感知机"),
        ("gradient check", "梯度检验")]


def test_a_term_missing_from_the_glossary_is_caught(tmp_path):
    glossary = tmp_path / "glossary.md"
    glossary.write_text("| English | 中文 | definition |\n| --- | --- | --- |\n"
                        "| anomaly | 异常 | an observation from a different mechanism |\n"
                        "| multi-layer perceptron (MLP) | 多层感知机 | layers of neurons |\n")
    rows = read_glossary(glossary)
    nb = _notebook("New terms: anomalies (异常), MLP (多层感知机), gradient check (梯度检验).")
    missing = missing_terms(new_terms(nb, "t"), rows)
    assert [t.english for t in missing] == ["gradient check"]
    nb = _notebook("New terms: anomaly (离群), multi-layer perceptron (多层感知机).")
    assert len(chinese_mismatches(new_terms(nb, "t"), rows)) == 1


def test_a_summary_without_new_terms_is_caught():
    nb = _notebook("Key points only.")
    assert new_terms(nb, "t") is None
