"""docs/openapi.yaml describes /api/v1 and the running app conforms to it (schemathesis)."""
from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from tests.conftest import api_token, fuzz_examples

SPEC = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
schema = schemathesis.openapi.from_path(SPEC)


def test_every_api_route_is_documented(app):
    documented = set()
    for path, item in yaml.safe_load(SPEC.read_text())["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                documented.add((method.upper(), "/api/v1" + path.replace("{", "<").replace("}", ">")))
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule.replace("<int:", "<")
            routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


@pytest.fixture
def bearer(app):
    return {"Authorization": f"Bearer {api_token(app.test_client())}"}


@schema.parametrize()
@settings(max_examples=fuzz_examples(30), deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case, app, bearer):
    case.call_and_validate(
        app=app, headers=bearer,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )


# The fuzzer above rarely guesses a real slug, so the attempt a learner gets back (every question kind,
# draft fields included) is checked here on the fixture pack's own lessons and topics every run.
@pytest.mark.parametrize(("path", "slug"), [
    ("/lessons/{slug}/attempts", "rest"), ("/lessons/{slug}/attempts", "packets"), ("/lessons/{slug}/attempts", "tcp"),
    ("/topics/{slug}/practice", "rest"), ("/topics/{slug}/practice", "networking"),
])
def test_a_new_attempt_conforms(path, slug, app, bearer):
    case = schema[path]["POST"].Case(path_parameters={"slug": slug})
    response = case.call_and_validate(
        app=app, headers=bearer,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
    assert response.status_code == 201 and response.json()["questions"]
