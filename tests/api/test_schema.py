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
