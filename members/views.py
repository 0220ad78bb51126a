"""Placeholder views: replaced by the real ones."""
from django.http import Http404


def dashboard(request, **kwargs):
    raise Http404


def institution_list(request, **kwargs):
    raise Http404


def institution_create(request, **kwargs):
    raise Http404


def institution_detail(request, **kwargs):
    raise Http404


def institution_edit(request, **kwargs):
    raise Http404


def institution_set_status(request, **kwargs):
    raise Http404


def institution_people(request, **kwargs):
    raise Http404


def membership_approve(request, **kwargs):
    raise Http404


def membership_decline(request, **kwargs):
    raise Http404


def membership_end(request, **kwargs):
    raise Http404


def membership_set_role(request, **kwargs):
    raise Http404


def person_detail(request, **kwargs):
    raise Http404


def profile_edit(request, **kwargs):
    raise Http404


def my_affiliations(request, **kwargs):
    raise Http404


def representative_inbox(request, **kwargs):
    raise Http404
