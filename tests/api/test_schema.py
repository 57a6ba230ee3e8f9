import pytest
from django.core.management import call_command


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml")
    schema = (tmp_path / "s.yaml").read_text()
    assert "Idempotency-Key" in schema and "partnerToken" in schema


@pytest.mark.django_db
def test_docs_page_serves_its_assets_locally(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


@pytest.mark.django_db
def test_every_operation_documents_its_error_answers_with_the_error_body(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
    for path, operations in schema["paths"].items():
        if path == "/api/v1/oauth/token/":
            continue  # RFC 6749 answers with its own error body (tests/api/test_oauth.py)
        for method, operation in operations.items():
            answers = operation["responses"]
            expected = {"400", "401", "403", "429", "500"}
            if "{" in path:
                expected.add("404")
            if method == "post":
                expected.add("413")
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if "Idempotency-Key" in headers:
                expected.add("409")
            assert expected <= set(answers), (method, path, sorted(answers))
            # The self-service page answers its errors as HTML, everything else as JSON.
            media = "text/html" if path.endswith("/page/") else "application/json"
            for status in expected:
                assert media in answers[status]["content"], (method, path, status)
                if media == "application/json":
                    body = answers[status]["content"][media]["schema"]
                    assert body == {"$ref": "#/components/schemas/Error"}
            assert "Retry-After" in answers["429"]["headers"]


@pytest.mark.django_db
def test_idempotency_key_is_documented_as_required_and_non_empty(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/orders/", "/api/v1/records/{entity}/"):
        [header] = [p for p in schema["paths"][path]["post"]["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and header["required"] is True
        assert header["schema"]["minLength"] == 1 and header["schema"]["maxLength"] == 200
        assert "409" in schema["paths"][path]["post"]["responses"]


def test_json_schema_type_lists_become_openapi_3_0_types():
    from apps.api.schema import _inline

    assert _inline({"type": ["string", "null"], "pattern": "x"}, {}) == {
        "pattern": "x",
        "type": "string",
        "nullable": True,
    }
    assert _inline({"type": ["string", "integer"]}, {}) == {
        "anyOf": [{"type": "string"}, {"type": "integer"}]
    }
    assert _inline({"type": "string"}, {}) == {"type": "string"}
