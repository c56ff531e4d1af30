"""The ``ja`` template filter: Japanese text on a page in another language gets lang="ja".

WCAG 3.1.2 (language of parts): names, reasons and equipment typed in Japanese are read
with a Japanese voice on the English pages; on Japanese pages nothing changes.
"""

from __future__ import annotations

from flask import Flask, render_template_string

from shisetsu.i18n import mark_japanese


def render(app: Flask, lang: str, template: str, **context: object) -> str:
    with app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        return render_template_string(template, **context)


def test_japanese_text_is_marked_on_english_pages(app: Flask) -> None:
    html = render(app, "en", "<p>{{ name|ja }}</p>", name="新宿 花子")
    assert html == '<p><span lang="ja">新宿 花子</span></p>'
    for kana in ("ひらがな", "カタカナ", "ｶﾀｶﾅ"):
        assert render(app, "en", "{{ v|ja }}", v=kana) == f'<span lang="ja">{kana}</span>'


def test_other_text_and_japanese_pages_are_left_alone(app: Flask) -> None:
    assert render(app, "en", "{{ v|ja }}", v="Shinjuku Tai Chi Club") == "Shinjuku Tai Chi Club"
    assert render(app, "ja", "{{ v|ja }}", v="新宿 花子") == "新宿 花子"
    assert render(app, "en", "[{{ v|ja }}]", v=None) == "[]"


def test_the_text_is_escaped(app: Flask) -> None:
    html = render(app, "en", "{{ v|ja }}", v="<b>体操</b>")
    assert html == '<span lang="ja">&lt;b&gt;体操&lt;/b&gt;</span>'
    assert render(app, "en", "{{ v|ja }}", v="<i>x</i>") == "&lt;i&gt;x&lt;/i&gt;"


def test_marked_names_keep_their_markup_inside_translated_strings(app: Flask) -> None:
    html = render(app, "en", '{{ _("Remove %(name)s", name=n|ja) }}', n="試験 <花子>")
    assert html == 'Remove <span lang="ja">試験 &lt;花子&gt;</span>'


def test_the_filter_needs_a_request_language(app: Flask) -> None:
    with app.test_request_context("/"):  # no cookie: Japanese, the default
        assert mark_japanese("新宿") == "新宿"
