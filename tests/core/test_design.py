"""The design system: the living page shows every component, error pages speak the site's language in its
layout, the pager tells the total and the page numbers, and a checkbox sits on the row of its label."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import include, path, reverse

from shequ.core.design import COMPONENTS
from shequ.core.errors import NotFound
from shequ.core.models import User
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _boom(request: Any) -> Any:
    raise RuntimeError("a bug")


def _missing(request: Any) -> Any:
    raise NotFound()


def _bad(request: Any) -> Any:
    raise SuspiciousOperation("tampered")


def _forbidden(request: Any) -> Any:
    raise PermissionDenied


# The project's URLs plus four views that fail (ROOT_URLCONF points here in the error-page tests).
urlpatterns = [
    path("boom/", _boom),
    path("missing/", _missing),
    path("bad/", _bad),
    path("forbidden/", _forbidden),
    path("", include("shequ.urls")),
]


@pytest.fixture
def error_urls(settings: Any) -> None:
    """Failing views mounted beside the project's, with DEBUG off as in production."""
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


def _in_site_layout(html: str) -> None:
    assert 'class="topbar"' in html and 'class="footer"' in html, "the error page keeps the site's header and footer"
    assert "52389022" in html, "it tells the hotline"
    assert reverse("portal:public_home") in html, "it leads back home"


def test_the_living_page_shows_every_component(client: Client) -> None:
    html = client.get(reverse("core:ui")).content.decode()
    classes = set(re.findall(r'class="([^"]+)"', html))
    shown = {name for value in classes for name in value.split()}
    missing = [name for name in COMPONENTS if name not in shown]
    assert missing == []
    assert "badge--ok" in shown and "count-tile--overdue" in shown and "portal-tile__line" in shown


def test_the_living_page_shows_elder_mode_on_request_only_for_itself(client: Client) -> None:
    assert 'class=""' in client.get(reverse("core:ui")).content.decode().split("<head>")[0]
    elder = client.get(reverse("core:ui"), {"mode": "elder"}).content.decode()
    assert re.search(r'<html [^>]*class="large-text elder"', elder)
    larger = client.get(reverse("core:ui"), {"mode": "elder-larger"}).content.decode()
    assert re.search(r'<html [^>]*class="large-text elder elder-larger"', larger)
    assert 'class=""' in client.get(reverse("core:ui")).content.decode().split("<head>")[0], "nothing was saved"


def test_a_missing_page_answers_404_in_chinese_in_the_site_layout(client: Client, error_urls: None) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    _in_site_layout(html)


def test_a_domain_not_found_still_answers_404_in_the_layout(client: Client, error_urls: None) -> None:
    response = client.get("/missing/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "无法继续" in html
    _in_site_layout(html)


def test_a_forbidden_page_answers_403_in_chinese(client: Client, error_urls: None) -> None:
    response = client.get("/forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权操作" in html
    _in_site_layout(html)


def test_a_bad_request_answers_400_in_chinese(client: Client, error_urls: None) -> None:
    response = client.get("/bad/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请求有误" in html
    _in_site_layout(html)


def test_a_server_error_answers_500_in_chinese_without_a_request_context(error_urls: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "出错了" in html
    _in_site_layout(html)
    assert "csrfmiddlewaretoken" not in html, "no form that could not work without a request"


def test_the_pager_shows_the_total_and_the_page_numbers_and_keeps_the_filters() -> None:
    request = RequestFactory().get("/population/people/", {"q": "王", "page": "8"})
    page = Paginator(range(123), 10).page(8)
    html = render_to_string("core/_pager.html", {"page": page, "request": request})
    assert "共 123 条" in html
    numbers = re.findall(r">(\d+)</(?:a|span)>", html)
    assert numbers == ["1", "6", "7", "8", "9", "10", "13"]
    assert '<span aria-current="page">8</span>' in html
    assert "q=%E7%8E%8B&amp;page=9" in html, "the link to the next page keeps the search"
    assert html.count("…") == 2


def test_a_single_page_pager_shows_the_total_and_no_links() -> None:
    request = RequestFactory().get("/")
    html = render_to_string("core/_pager.html", {"page": Paginator(range(3), 10).page(1), "request": request})
    assert "共 3 条" in html and "<a " not in html


class _Choices(forms.Form):
    expiring = forms.BooleanField(label="Expiring", required=False)
    sex = forms.ChoiceField(label="Sex", choices=[("F", "F"), ("M", "M")], widget=forms.RadioSelect)
    tags = forms.MultipleChoiceField(label="Tags", choices=[("a", "A"), ("b", "B")],
                                     widget=forms.CheckboxSelectMultiple)


def test_a_checkbox_sits_inside_the_row_of_its_label_and_choices_in_a_fieldset() -> None:
    html = render_to_string("core/_form.html", {"form": _Choices()})
    assert re.search(r'<label class="check-row" for="id_expiring"><input type="checkbox" name="expiring"[^>]*>'
                     r'<span>Expiring</span></label>', html)
    assert re.search(r'<fieldset class="field field--choices">\s*<legend>Sex', html)
    assert re.search(r'<label class="choice" for="id_sex_0"><input type="radio" name="sex" value="F"[^>]*>'
                     r'<span>F</span></label>', html)
    assert re.search(r'<label class="choice" for="id_tags_1"><input type="checkbox" name="tags" value="b"[^>]*>'
                     r'<span>B</span></label>', html)


def test_the_residents_list_labels_every_cell_and_shows_the_total(
    client: Client, admin: User, make_person: Callable[..., Any]
) -> None:
    for year in range(1950, 1953):
        make_person("王秀英", birth=dt.date(year, 3, 8))
    html = login(client, admin).get(reverse("population:person_list")).content.decode()
    assert 'class="page-header"' in html and 'class="breadcrumbs"' in html
    cells = re.findall(r"<td[^>]*>", html)
    assert cells and all("data-label=" in cell for cell in cells)
    assert "共 3 条" in html


def test_an_empty_list_shows_an_empty_state(client: Client, admin: User) -> None:
    html = login(client, admin).get(reverse("population:permit_list")).content.decode()
    assert 'class="empty-state"' in html and "<table" not in html


def test_the_staff_login_is_branded_with_the_sub_district(client: Client) -> None:
    html = client.get(reverse("core:login")).content.decode()
    assert "江苏路街道" in html and "testserver" not in html
