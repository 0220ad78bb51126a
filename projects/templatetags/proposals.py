from django import template
from django.utils.safestring import SafeString

from core.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Render Markdown to sanitised HTML."""
    return render_markdown(text)


@register.filter
def markdown_lines(text: str) -> SafeString:
    """Render Markdown to sanitised HTML, keeping each line break as typed."""
    return render_markdown(text, breaks=True)


@register.filter
def lookup(mapping: dict, key):
    """``mapping[key]`` in a template, or None."""
    return mapping.get(key) if mapping else None
