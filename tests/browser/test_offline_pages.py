"""Pages that exist without signing in: accessible, and working with no network."""

from __future__ import annotations

from tests.browser.conftest import Visit


def test_landing_page_is_accessible_and_offline(visit: Visit) -> None:
    response = visit.go("/")
    assert response.status == 200
    visit.axe()
    visit.shot("landing")


def test_api_docs_render_from_the_package(visit: Visit) -> None:
    visit.go("/api/docs")
    visit.page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert visit.page.locator(".opblock").count() > 10
    visit.shot("api-docs")
