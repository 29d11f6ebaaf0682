"""README.md's fenced code blocks, for the tests that run or use what it shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


@dataclass(frozen=True)
class Block:
    """A fenced block: the title of the section it is in, its language, its text (without the
    fence's indentation) and the README line its text starts on."""

    heading: str
    lang: str
    text: str
    line: int


@dataclass(frozen=True)
class Command:
    """A ``$ `` line of a console block, with its continuation lines (ending in ``\\``), and
    the lines shown after it."""

    typed: str
    shown: list[str] = field(default_factory=list)


def blocks(path: Path = README) -> list[Block]:
    """Every fenced block of a Markdown file, in order."""
    found: list[Block] = []
    heading = ""
    fence: tuple[int, int, str] | None = None  # (first text line, indentation, language)
    body: list[str] = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.lstrip()
        if fence is None:
            if match := re.match(r"#{1,6} (.+)", line):
                heading = match[1]
            elif stripped.startswith("```"):
                fence, body = (number + 1, len(line) - len(stripped), stripped[3:].strip()), []
        elif stripped.startswith("```"):
            start, indent, lang = fence
            found.append(Block(heading, lang, "".join(b[indent:] + "\n" for b in body), start))
            fence = None
        else:
            body.append(line)
    assert fence is None, f"{path.name}: a fence opened on line {fence[0] - 1} is never closed"
    return found


def commands(block: Block) -> list[Command]:
    """The commands of a console block, each with the output shown after it."""
    found: list[Command] = []
    lines = iter(block.text.splitlines())
    for line in lines:
        if line.startswith("$ "):
            typed = [line[2:]]
            while typed[-1].endswith("\\"):
                typed.append(next(lines))
            found.append(Command("\n".join(typed)))
        elif found:
            found[-1].shown.append(line)
    return found
