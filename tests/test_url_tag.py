"""`{% url %}` reverses each link once per process (kiemdiem/navigation.py): the same URLs as Django's tag."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from kiemdiem import navigation


def draw(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_tag_gives_djangos_urls_and_reverses_each_once(monkeypatch):
    navigation._reverse_kept.cache_clear()
    calls: list[str] = []
    real = navigation.reverse
    monkeypatch.setattr(navigation, "reverse", lambda name, **k: calls.append(name) or real(name, **k))
    page = "{% url 'rating_page' c u %}|{% url 'followup:home' %}|{% url 'evaluation' pk=e %}|{% url 'home' as h %}[{{ h }}]"
    expected = (
        "|".join(
            [
                reverse("rating_page", args=[8, 11]),
                reverse("followup:home"),
                reverse("evaluation", kwargs={"pk": 5}),
            ]
        )
        + f"|[{reverse('home')}]"
    )
    assert draw(page, c=8, u=11, e=5) == expected
    assert draw(page, c=8, u=11, e=5) == expected
    assert calls == ["rating_page", "followup:home", "evaluation", "home"]  # the second page reversed nothing
    assert draw("{% url 'rating_page' c u %}", c=8, u=12) == reverse("rating_page", args=[8, 12])
    assert draw("{% url 'khong-co' as x %}[{{ x }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        draw("{% url 'khong-co' %}")
    try:
        set_script_prefix("/kiemdiem/")
        assert draw("{% url 'home' %}") == "/kiemdiem/"  # the prefix is in the key: not the link kept before
    finally:
        set_script_prefix("/")
