"""Every partner route names the scope each of its methods needs, from the URL configuration."""

import pytest

from apps.api.scopes import SCOPES
from tests.api.test_isolation_walk import api_routes

# Routes no partner credential opens: the public description and the token endpoint itself.
PUBLIC = {"schema", "docs", "oauth-token"}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.mark.parametrize(
    "name, view",
    [
        (pattern.name, getattr(pattern.callback, "view_class", None) or pattern.callback.cls)
        for _, pattern in api_routes()
        if pattern.name not in PUBLIC
    ],
)
def test_every_method_of_every_partner_route_names_a_known_scope(name, view):
    methods = [method.upper() for method in METHODS if hasattr(view, method)]
    assert methods, name
    for method in methods:
        scope = getattr(view, "required_scopes", {}).get(method)
        assert scope in SCOPES, f"{name} {method} names no known scope ({scope!r})"
