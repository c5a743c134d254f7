"""Size limits of the production code: no function over 60 lines, no module over 500.

The production code is every package at the top of the project (the apps and ``config``),
without their migrations; tests and ``bench/`` are outside the rule.
"""

import ast
from pathlib import Path

from django.conf import settings

MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500
NOT_PRODUCTION = {"tests", "bench"}


def production_modules(root: Path) -> list[Path]:
    packages = [
        path
        for path in sorted(root.iterdir())
        if (path / "__init__.py").is_file() and path.name not in NOT_PRODUCTION and not path.name.startswith(".")
    ]
    return [
        module
        for package in packages
        for module in sorted(package.rglob("*.py"))
        if "migrations" not in module.relative_to(root).parts
    ]


def oversized(root: Path) -> list[str]:
    """Each module over MAX_MODULE_LINES and function (or method) over MAX_FUNCTION_LINES, named
    with its place and length; a function's lines run from its ``def`` to its last line."""
    found = []
    for module in production_modules(root):
        name = module.relative_to(root).as_posix()
        text = module.read_text()
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{name}: {lines} lines (module limit {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text, name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(
                        f"{name}:{node.lineno} {node.name}: {length} lines (function limit {MAX_FUNCTION_LINES})"
                    )
    return found


def test_the_size_check_names_long_functions_and_modules(tmp_path):
    app = tmp_path / "app"
    (app / "migrations").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    body = "".join(f"        x{i} = {i}\n" for i in range(60))
    (app / "views.py").write_text(f"def short():\n    return 1\n\n\nclass V:\n    def long(self):\n{body}")
    (app / "big.py").write_text("x = 1\n" * 501)
    (app / "migrations" / "0001_initial.py").write_text("x = 1\n" * 600)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "tests" / "test_big.py").write_text("x = 1\n" * 600)

    assert oversized(tmp_path) == [
        "app/big.py: 501 lines (module limit 500)",
        "app/views.py:6 long: 61 lines (function limit 60)",
    ]


def test_no_production_function_or_module_is_too_long():
    found = oversized(Path(settings.BASE_DIR))
    assert not found, "Split these up:\n" + "\n".join(found)
