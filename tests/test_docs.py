"""The documentation holds together: every relative link of the README and the user guide reaches a
file (and a section) that exists, the guide's own links stay inside what the app ships, the README
stays a README, and no file in the repository cites a document the repository does not have."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from guiapp.user_guide import heading_anchor

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "resources" / "docs"
README = ROOT / "README.md"

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)\)")
# a document cited by file name: README.md, notes/PLAN.rst, LICENSE-x.txt, a spec.pdf
_CITED = re.compile(r"(?<![\w./:-])([\w./-]*\w\.(?:md|rst|txt|pdf))\b")
_SKIP_DIRS = {".git", "__pycache__", "build", "dist", "node_modules", ".hypothesis", ".pytest_cache",
              ".mypy_cache", ".ruff_cache"}


def _prose(markdown: str) -> str:
    """The text outside code blocks and inline code, where a link is a link."""
    return _INLINE_CODE.sub("", _FENCE.sub("", markdown))


def _anchors(markdown: str) -> set[str]:
    """The anchors GitHub (and the guide window) give the headings of a Markdown page."""
    seen: dict[str, int] = {}
    for line in _FENCE.sub("", markdown).splitlines():
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1)).replace("`", "").replace("*", "")
            anchor = heading_anchor(text)
            n = seen.get(anchor, 0)
            seen[anchor] = n + 1
    return {a if i == 0 else f"{a}-{i}" for a, count in seen.items() for i in range(count)}


def broken_links(page: Path, must_stay_under: Path | None = None) -> list[str]:
    """Each relative link of ``page`` whose file or section is missing, as ``target: why``."""
    problems = []
    for target in _LINK.findall(_prose(page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):       # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            problems.append(f"{target}: no file {file}")
            continue
        if must_stay_under is not None and must_stay_under.resolve() not in (file, *file.parents):
            problems.append(f"{target}: outside {must_stay_under.name}/, so missing where the app is installed")
        if anchor and file.suffix == ".md" and anchor not in _anchors(file.read_text(encoding="utf-8")):
            problems.append(f"{target}: {file.name} has no heading with the anchor #{anchor}")
    return problems


def _repository_files(root: Path) -> list[Path]:
    """The files git tracks or would track (ignored build output left out); every file when ``root``
    is not a git checkout."""
    if (root / ".git").exists():
        try:
            out = subprocess.run(["git", "-C", str(root), "ls-files", "-co", "--exclude-standard", "-z"],
                                 capture_output=True, check=True, timeout=60).stdout
            return sorted(root / name for name in out.decode("utf-8", "replace").split("\0") if name)
        except (OSError, subprocess.SubprocessError):
            pass
    return sorted(root.rglob("*"))


def _text_files(root: Path):
    for path in _repository_files(root):
        parts = path.relative_to(root).parts
        if any(p in _SKIP_DIRS or p.startswith(".venv") or p.endswith(".egg-info") for p in parts[:-1]):
            continue
        if not path.is_file() or path.stat().st_size > 1_000_000:
            continue
        head = path.read_bytes()[:8192]
        if b"\0" in head:
            continue
        yield path


def uncited(root: Path, exclude: tuple[Path, ...] = ()) -> list[str]:
    """``file: name`` for each document named in a file of ``root`` that ``root`` does not hold.

    A name counts as there when it resolves beside the citing file or from ``root``, or when a file
    of that name is anywhere in ``root`` (a document cited by its name alone). A name that follows
    ``>`` is the file a shell command writes, and a name alone in quotes (``"kept.txt"``) is a file a
    program makes: neither is a citation."""
    files = list(_text_files(root))
    names = {p.name for p in files}
    missing = []
    for path in files:
        if path in exclude:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in _CITED.finditer(text):
            name = m.group(1)
            if text[:m.start()].rstrip(" ").endswith(">") or name.startswith(("http", "www.")):
                continue
            before, after = text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
            if before in "\"'" and before and after == before:
                continue
            if Path(name).name in names or (path.parent / name).exists() or (root / name).exists():
                continue
            missing.append(f"{path.relative_to(root)}: {name}")
    return missing


def test_every_relative_link_of_the_readme_reaches_a_file_and_section():
    assert broken_links(README) == []


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_every_link_of_the_guide_reaches_a_shipped_file_and_section(page):
    # the guide is read in the installed app too, where only resources/ is there
    assert broken_links(page, must_stay_under=ROOT / "resources") == []


def test_the_link_check_finds_a_missing_page_a_missing_section_and_a_link_out_of_the_app(tmp_path):
    (tmp_path / "resources" / "docs").mkdir(parents=True)
    (tmp_path / "notes.md").write_text("# Notes\n")
    page = tmp_path / "resources" / "docs" / "a.md"
    page.write_text("# A page\n\n## Part two\n\n[ok](#part-two) [gone](b.md) [no such part](#part-three)\n"
                    "[outside](../../notes.md) `[code](not-a-link.md)` [web](https://example.org/x.md)\n",
                    encoding="utf-8")
    problems = broken_links(page, must_stay_under=tmp_path / "resources")
    assert [p.split(":")[0] for p in problems] == ["b.md", "#part-three", "../../notes.md"]


def test_the_readme_is_a_readme_and_points_to_the_guide():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 350
    for page in sorted(DOCS.glob("*.md")):       # every page of the guide is one click away
        assert f"resources/docs/{page.name}" in text, page.name
    assert "Help ▸ User Guide" in text


def test_every_command_has_its_line_in_the_readme_and_its_section_in_the_guide():
    from core.cli import COMMANDS
    readme = README.read_text(encoding="utf-8")
    guide = (DOCS / "command-line.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", guide, re.M)
    for name in COMMANDS:
        assert re.search(rf"^\| `losslab {re.escape(name)}\b", readme, re.M), name
        assert any(name in h.split() for h in headings), name


def test_no_file_cites_a_document_that_is_not_in_the_repository():
    # this file is left out: its tests of the check name made-up documents on purpose
    assert uncited(ROOT, exclude=(Path(__file__).resolve(),)) == []


def test_a_citation_of_a_missing_document_is_found(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n")
    (tmp_path / "core" / "a.py").write_text('"""See guide.md; the figure is in ' + "PLAN" + '.md."""\n')
    (tmp_path / "run.sh").write_text("losslab sweep p.json --format md > table.md\n")
    assert uncited(tmp_path) == ["core/a.py: PLAN.md"]
