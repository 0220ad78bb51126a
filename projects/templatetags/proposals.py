from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.markdown import render_markdown
from members.enums import InstitutionKind

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


@register.simple_tag
def rule_fixes(rule, proposal) -> list[tuple[str, str]]:
    """The pages that fix a failing consortium rule, as (label, URL): the lead's way forward."""
    slug = proposal.slug
    find = reverse("projects:find_partners", args=[slug])
    whole = (_("Whole consortia"), reverse("projects:consortium_builder", args=[slug]))
    consortium = proposal.get_absolute_url() + "#consortium"
    if rule.rule == "competence_coverage":
        return [
            *(
                (
                    _("Find partners with %(competence)s") % {"competence": c.name},
                    f"{find}?{urlencode({'competence': c.pk})}",
                )
                for c in rule.missing
            ),
            whole,
        ]
    if rule.rule == "company_required":
        return [
            (_("Find companies"), f"{find}?{urlencode({'kind': InstitutionKind.COMPANY})}"),
            whole,
        ]
    if rule.rule == "max_partner_institutions":
        return [(_("The consortium"), consortium)]
    fixes = [(_("Find partners"), find), whole]
    if rule.rule == "min_partner_institutions" and rule.awaiting_signoff:
        fixes.insert(0, (_("Sign-offs awaited"), consortium))
    return fixes
