"""Templates compiled once per language with their constant tags folded (core/template_loader.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Node, engines
from django.template.backends.django import DjangoTemplates
from django.template.base import TextNode
from django.template.defaulttags import URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_script_prefix, set_script_prefix
from django.utils import translation

PROJECT = Path(__file__).resolve().parents[2]  # src/oficina


def _engine(loader: str, templates: dict[str, str] | None = None) -> DjangoTemplates:
    """The project's template engine with `loader` around the project's loaders (or a locmem set)."""
    options = dict(settings.TEMPLATES[0]["OPTIONS"])
    inner = ([("django.template.loaders.locmem.Loader", templates)] if templates is not None else
             ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"])
    options["loaders"] = [(loader, inner)]
    return DjangoTemplates({"NAME": loader, "DIRS": settings.TEMPLATES[0]["DIRS"], "APP_DIRS": False,
                            "OPTIONS": options})


FOLDING = "oficina.core.template_loader.ConstantFoldingLoader"
PLAIN = "django.template.loaders.cached.Loader"


_NOW = re.compile(r"\d{4}-\d\d-\d\dT[\d:.+-]+|\d\d/\d\d/\d{4} \d\d:\d\d")  # pages that print the time


def _render(engine: DjangoTemplates, name: str, context: dict | None = None) -> str:
    try:
        return _NOW.sub("<now>", engine.get_template(name).render(context or {}))
    except Exception as error:  # the same failure is the same outcome
        return f"raised {type(error).__name__}"


def _project_templates() -> list[str]:
    names = []
    for folder in [PROJECT / "templates", *PROJECT.glob("*/templates")]:
        names += [str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()]
    return sorted(names)


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_project_template_renders_as_without_folding(language):
    folding, plain = _engine(FOLDING), _engine(PLAIN)
    names = _project_templates()
    assert len(names) > 50
    with translation.override(language):
        for name in names:
            assert _render(folding, name) == _render(plain, name), name


def test_the_configured_engine_folds_the_layouts_constant_tags():
    folded = engines["django"].get_template("base.html").template.nodelist
    plain = _engine(PLAIN).get_template("base.html").template.nodelist
    assert folded.get_nodes_by_type((TranslateNode, URLNode, StaticNode)) == []  # all literal-only
    assert len(folded.get_nodes_by_type(Node)) < len(plain.get_nodes_by_type(Node)) - 30


def test_each_language_gets_its_own_text():
    engine = _engine(FOLDING)
    for language, text in [("es", "Saltar al contenido principal"), ("en", "Skip to main content"),
                           ("es", "Saltar al contenido principal")]:
        with translation.override(language):
            assert text in engine.get_template("base.html").render({})


def test_a_language_block_keeps_its_own_language():
    engine = _engine(FOLDING, {"page.html": '{% load i18n %}{% translate "Cerrar sesión" %}|'
                                            '{% language "en" %}{% translate "Cerrar sesión" %}{% endlanguage %}'})
    with translation.override("es"):
        assert engine.get_template("page.html").render({}) == "Cerrar sesión|Sign out"


def test_inside_and_outside_autoescape_blocks_the_text_is_djangos():
    source = ('{% load i18n static %}{% translate "a < b & c" %}{% url "core:home" %}{% static "x y.css" %}|'
              '{% autoescape off %}{% translate "a < b & c" %}{% url "core:home" %}{% static "x y.css" %}'
              '{% endautoescape %}')
    folding = _engine(FOLDING, {"p.html": source}).get_template("p.html")
    assert folding.render({}) == _engine(PLAIN, {"p.html": source}).get_template("p.html").render({})
    _load, text, autoescape_off = folding.template.nodelist
    assert isinstance(text, TextNode) and [type(node) for node in autoescape_off.nodelist] == [TextNode]


def test_tags_with_variables_filters_or_as_are_left_to_render_time():
    source = ('{% load i18n static %}{% translate greeting %}|{% translate "hola"|upper %}|'
              '{% url "core:home" as home %}{{ home }}|{% static name %}|{% translate "hola" as saludo %}{{ saludo }}')
    context = {"greeting": "buenos días", "name": "oficina/css/site.css"}
    folding = _engine(FOLDING, {"p.html": source}).get_template("p.html").render(context)
    assert folding == _engine(PLAIN, {"p.html": source}).get_template("p.html").render(context)
    assert folding.startswith("buenos días|HOLA|/|")


def test_a_tag_that_fails_still_fails_when_rendered_not_when_loaded():
    engine = _engine(FOLDING, {"p.html": "{% url 'no:such' %}"})
    template = engine.get_template("p.html")
    with pytest.raises(NoReverseMatch):
        template.render({})


def test_urls_follow_the_script_prefix():
    engine = _engine(FOLDING, {"p.html": "{% url 'core:home' %}"})
    before = get_script_prefix()
    try:
        set_script_prefix("/oficina/")
        assert engine.get_template("p.html").render({}) == "/oficina/"
        set_script_prefix("/")
        assert engine.get_template("p.html").render({}) == "/"
    finally:
        set_script_prefix(before)


@pytest.mark.parametrize("staff", [False, True])
def test_the_signed_in_layout_renders_as_without_folding(staff):
    """The empty context above takes the signed-out branches; these take the others."""
    class SignedIn:
        is_authenticated = True
        is_staff_member = staff

    context = {"user": SignedIn(), "messages": ["Guardado."], "service_name": "Oficina Virtual"}
    for language in ("es", "en"):
        with translation.override(language):
            folded = _render(_engine(FOLDING), "base.html", context)
            assert folded == _render(_engine(PLAIN), "base.html", context)
            assert ("/personal/" in folded) is staff and "Guardado." in folded
