"""No import cycles dodged by importing routes from a package's __init__: importing an area's
package, its services or the question kinds loads no route module (blueprints are created in
routes.py and registered by create_app)."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


PACKAGES_AND_SERVICES = [
    "learnpath.catalog", "learnpath.accounts", "learnpath.progress", "learnpath.review", "learnpath.quiz",
    "learnpath.paths", "learnpath.paths.services", "learnpath.quiz.kinds", "learnpath.quiz.services", "learnpath.catalog.services", "learnpath.review.services",
    "learnpath.serializers", "learnpath.accounts.export",
]

# One interpreter for all of them (starting one per module cost ~1.5 s each): third-party libraries stay
# loaded, every learnpath module is forgotten before the next import, so each import starts from scratch.
_IMPORT_EACH = """
import importlib, json, sys
found = {}
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "learnpath" or m.startswith("learnpath.")]:
        del sys.modules[loaded]
    importlib.import_module(name)
    found[name] = sorted(m for m in sys.modules if m.endswith(".routes") or m.startswith("learnpath.api"))
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def routes_loaded_by() -> dict[str, list[str]]:
    import json

    result = subprocess.run([sys.executable, "-c", _IMPORT_EACH, *PACKAGES_AND_SERVICES], capture_output=True,
                            text=True, check=True, cwd=REPO_ROOT)
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", PACKAGES_AND_SERVICES)
def test_importing_a_package_or_service_loads_no_routes(module, routes_loaded_by):
    assert routes_loaded_by[module] == []


def test_the_import_check_sees_a_route_module_loaded():
    """The fresh-import loop above does see routes when a module loads them (create_app's package does)."""
    import json

    result = subprocess.run([sys.executable, "-c", _IMPORT_EACH + "\nfrom learnpath import create_app; create_app()\n"
                             "print(sorted(m for m in sys.modules if m.endswith('.routes'))[:1])",
                             "learnpath.serializers"], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    first, second = result.stdout.strip().splitlines()
    assert json.loads(first) == {"learnpath.serializers": []} and second != "[]"


# A function-local import of a learnpath module is how a cycle gets dodged; each one left is named here
# with the reason it must stay. create_app imports the areas inside the factory (the Flask tutorial's
# pattern) because learnpath/__init__.py runs on every `import learnpath.<anything>`: importing them at
# its top would load every blueprint for a question kind (see the test above).
LOCAL_IMPORTS_ALLOWED = {("learnpath/__init__.py", "create_app")}


def _local_learnpath_imports(path: Path) -> list[tuple[str, int]]:
    """(function name, line) of each learnpath import inside a function body."""
    found = []
    for function in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            if any(name == "learnpath" or name.startswith("learnpath.") for name in names):
                found.append((function.name, node.lineno))
    return found


def test_no_function_local_learnpath_imports():
    found = [f"{path.relative_to(REPO_ROOT)}:{line} in {function}()"
             for path in sorted((REPO_ROOT / "learnpath").rglob("*.py"))
             for function, line in _local_learnpath_imports(path)
             if (str(path.relative_to(REPO_ROOT)), function) not in LOCAL_IMPORTS_ALLOWED]
    assert not found, "import these at module level (move the shared piece down if that makes a cycle):\n" + "\n".join(found)


def test_the_local_import_check_finds_one(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from learnpath.models import User\n    import learnpath.search\n    return User\n")
    assert _local_learnpath_imports(module) == [("f", 4), ("f", 5)]
