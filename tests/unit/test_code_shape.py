"""The size rules of issue 14 hold: no function in rotui/ over 60 lines, no module over 400 lines
unless, within its first 40 lines, a ``# Why over 400 lines:`` comment says why it is one unit.

A function's length is ``end_lineno - lineno + 1`` of its ``def`` (decorators excluded); nested
functions and methods count on their own. The checker is tested on synthetic source below, so a
new long function or module fails this file.
"""

from __future__ import annotations

import ast
import io
import sys
import textwrap
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "rotui"
MAX_FUNCTION = 60
MAX_MODULE = 400
WHY_WITHIN = 40
WHY = "# Why over 400 lines:"
MODULE = "<module>"  # the name used for a whole module in the reports



def long_functions(source: str, limit: int = MAX_FUNCTION) -> dict[str, int]:
    """Every function or method longer than ``limit`` lines, by qualified name."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    assert child.end_lineno is not None
                    length = child.end_lineno - child.lineno + 1
                    if length > limit:
                        found[name] = length
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def module_too_long(source: str, limit: int = MAX_MODULE) -> int | None:
    """The module's line count when it is over ``limit`` without a reason near its top; else None."""
    lines = source.splitlines()
    if len(lines) <= limit:
        return None
    comments = (
        token
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT and token.start[0] <= WHY_WITHIN
    )
    for token in comments:
        if token.string.startswith(WHY) and token.string[len(WHY) :].strip():
            return None
    return len(lines)


def offenders() -> dict[tuple[str, str], int]:
    """Every offence in rotui/, as ``{(path, name): lines}``."""
    found: dict[tuple[str, str], int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        size = module_too_long(source)
        if size is not None:
            found[(rel, MODULE)] = size
        for name, length in long_functions(source).items():
            found[(rel, name)] = length
    return found


def test_no_function_over_60_lines_and_no_module_over_400_without_a_reason() -> None:
    new = offenders()
    assert not new, (
        "split these along a real seam (or, for a module, say why it is one unit):\n"
        + (
            "\n".join(
                f"  {path} {name}: {size} lines" for (path, name), size in sorted(new.items())
            )
        )
    )


def function(name: str, body_lines: int, indent: str = "") -> str:
    """A ``def`` of exactly ``1 + body_lines`` lines."""
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(body_lines))
    return f"{indent}def {name}() -> None:\n{body}"


def test_the_checker_flags_a_function_one_line_over_the_limit() -> None:
    source = function("fits", MAX_FUNCTION - 1) + function("too_long", MAX_FUNCTION)
    assert long_functions(source) == {"too_long": MAX_FUNCTION + 1}


def test_the_checker_excludes_decorators_and_counts_methods_nested_and_async() -> None:
    decorated = "@staticmethod\n" * 5 + function("decorated", MAX_FUNCTION - 1)
    method = "class Box:\n" + function("method", MAX_FUNCTION, indent="    ")
    nested = "async def outer() -> None:\n" + function("inner", MAX_FUNCTION, indent="    ")
    found = long_functions(decorated + method + nested)
    assert found == {
        "Box.method": MAX_FUNCTION + 1,
        "outer": MAX_FUNCTION + 2,
        "outer.inner": MAX_FUNCTION + 1,
    }


def test_the_checker_flags_a_long_module_unless_a_reason_is_near_its_top() -> None:
    filler = "".join(f"x{i} = {i}\n" for i in range(MAX_MODULE + 1))
    assert module_too_long("".join(f"x{i} = {i}\n" for i in range(MAX_MODULE))) is None
    assert module_too_long(filler) == MAX_MODULE + 1
    reason = f"{WHY} the writer and the verifier of one format change together\n"
    assert module_too_long(reason + filler) is None
    late = "".join(f"y{i} = {i}\n" for i in range(WHY_WITHIN))
    assert module_too_long(late + reason + filler) == WHY_WITHIN + 1 + MAX_MODULE + 1
    assert module_too_long(f"{WHY}\n" + filler) is not None, "a reason must say something"
    in_a_string = textwrap.dedent(f'''\
        """A docstring.

        {WHY} inside a docstring is no comment.
        """
    ''')
    assert module_too_long(in_a_string + filler) is not None


def test_a_new_long_function_in_the_package_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "rotui"
    package.mkdir()
    (package / "fresh.py").write_text(function("grown", MAX_FUNCTION + 5))
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert offenders() == {("rotui/fresh.py", "grown"): MAX_FUNCTION + 6}
    with pytest.raises(AssertionError, match=r"rotui/fresh\.py grown: 66 lines"):
        test_no_function_over_60_lines_and_no_module_over_400_without_a_reason()
