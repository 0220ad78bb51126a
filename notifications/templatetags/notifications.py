from django import template

from notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in user's unread count; asked once per request however often it is shown."""
    request = context.get("request")
    return unread_count(user=request.user) if request is not None else 0
