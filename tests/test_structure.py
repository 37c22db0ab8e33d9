"""No import cycles dodged by importing routes from a package's __init__: importing an area's
package, its services or the question kinds loads no route module (blueprints are created in
routes.py and registered by create_app)."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", [
    "learnpath.catalog", "learnpath.accounts", "learnpath.progress", "learnpath.review", "learnpath.quiz",
    "learnpath.paths", "learnpath.paths.services", "learnpath.quiz.kinds", "learnpath.quiz.services", "learnpath.catalog.services", "learnpath.review.services",
])
def test_importing_a_package_or_service_loads_no_routes(module):
    code = (f"import sys, {module}; "
            "print(sorted(m for m in sys.modules if m.endswith('.routes') or m.startswith('learnpath.api')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]", loaded
