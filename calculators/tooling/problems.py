"""Problems found in editors' files, reported as `path:line:col: message` in zh and en."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file, with what to do about it, in both languages."""

    path: str
    line: int  # 1-based
    col: int  # 1-based
    code: str = field(compare=False)
    zh: str = field(compare=False)
    en: str = field(compare=False)
    fix_zh: str = field(default="", compare=False)
    fix_en: str = field(default="", compare=False)

    def missing(self) -> tuple[str, ...]:
        """The texts this problem lacks, of zh, en, fix_zh and fix_en: none, for every problem the
        check reports (an editor reads what is wrong and what to do, in either language)."""
        return tuple(name for name in ("zh", "en", "fix_zh", "fix_en") if not getattr(self, name).strip())

    def format(self) -> str:
        """Two lines, Chinese then English (a line break quoted from the file is shown as \\n)."""
        zh = _one_line(f"{self.zh}{(' ' + self.fix_zh) if self.fix_zh else ''}")
        en = _one_line(f"{self.en}{(' ' + self.fix_en) if self.fix_en else ''}")
        return f"{self.path}:{self.line}:{self.col}: [{self.code}] {zh}\n    {en}"


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


class DataError(Exception):
    """Raised when policy data has problems; carries all of them, sorted by place."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(format_problems(self.problems))


def format_problems(problems: list[Problem]) -> str:
    count = len(problems)
    head = (
        f"政策数据有 {count} 处问题，网站未生成。请逐条修改后重新运行 `make check`。\n"
        f"The policy data has {count} problem(s); the site was not built. "
        "Fix each one and run `make check` again.\n"
    )
    return head + "\n".join(p.format() for p in problems)
