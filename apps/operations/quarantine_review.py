"""The review screen of one quarantined item: its decisions, dry run, assignment and history.

A mixin of the workbench's admin (quarantine_admin), kept apart so each file stays readable.
Like the queue, it renders what the decisions registry offers and names no reason code.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from apps.core.errors import HubError
from apps.operations.replay_preview import replay_preview
from apps.quarantine.decisions import Decision, registry
from apps.quarantine.forms import AssignForm, CommentForm, NoteForm
from apps.quarantine.models import QuarantineItem
from apps.quarantine.reasons import reason_spec
from apps.quarantine.selectors import effect_of, team_users
from apps.quarantine.services import quarantine_assign, quarantine_comment


@dataclass
class DecisionPanel:
    """One HTML form on the review screen: decisions sharing a form class share its fields."""

    html_id: str
    heading: str
    form: NoteForm
    buttons: list[tuple[str, str]]


class ReviewMixin:
    """The admin's views of one item; the admin class supplies _page and _require_view."""

    # One item

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:quarantine_review", pk=object_id)

    def review_view(self, request, pk: int):
        item = get_object_or_404(
            QuarantineItem.objects.select_related("assigned_owner", "flow", "assignee"), pk=pk
        )
        self._require_view(request, item)
        if request.method == "POST":
            return self._post(request, item)
        return self._review_page(request, item)

    def _post(self, request, item):
        # Assigning and commenting are not decisions: every reason code has them.
        housekeeping = {"assign": self._assign, "comment": self._comment}
        handle = housekeeping.get(request.POST.get("action", ""), self._decide)
        return handle(request, item)

    def _assign(self, request, item):
        form = AssignForm(request.POST, users=team_users(item))
        return self._housekeep(
            request,
            item,
            form,
            lambda data: quarantine_assign(
                item=item, assignee=data["assignee"], actor=request.user, note=data["note"]
            ),
            "Assignment saved.",
        )

    def _comment(self, request, item):
        return self._housekeep(
            request,
            item,
            CommentForm(request.POST),
            lambda data: quarantine_comment(item=item, actor=request.user, note=data["note"]),
            "Comment added.",
        )

    def _housekeep(self, request, item, form, call, done: str):
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return self._review_page(request, item, status=400)
        try:
            call(form.cleaned_data)
        except HubError as exc:
            messages.error(request, exc.message)
            return self._review_page(request, item, status=exc.status)
        messages.success(request, done)
        return redirect("admin:quarantine_review", pk=item.pk)

    def _decide(self, request, item):
        """Take the posted decision the registry offers; a refusal is told on the page itself."""
        name = request.POST.get("action", "")
        try:
            decision = registry.decision_for(item=item, user=request.user, name=name)
        except HubError as exc:
            messages.error(request, exc.message)
            return self._review_page(request, item, status=exc.status)
        form = decision.form(item, request.POST)
        if not form.is_valid():
            messages.error(request, f"{decision.label_for(item)}: see the errors in the form.")
            return self._review_page(request, item, bound=form)
        try:
            messages.success(
                request, decision.take(item=item, actor=request.user, data=form.cleaned_data)
            )
        except HubError as exc:
            messages.error(request, exc.message)
            return self._review_page(request, item, status=exc.status)
        return redirect("admin:quarantine_review", pk=item.pk)

    def _review_page(self, request, item, *, bound: NoteForm | None = None, status: int = 200):
        headings, rows = registry.problem_table(item)
        may_act = item.is_owned_by(request.user)
        context = {
            "item": item,
            "title": f"Quarantined {item.subject_type} {item.subject_key}",
            "reason": reason_spec(item.reason_code).plain,
            "effect": effect_of(item),
            "problem_headings": headings,
            "problem_rows": rows,
            "panels": decision_panels(item, registry.offered(item=item, user=request.user), bound),
            "refused": registry.refused(item=item, user=request.user),
            "may_act": may_act,
            "assign_form": AssignForm(
                users=team_users(item), initial={"assignee": item.assignee_id}
            )
            if may_act and not item.is_settled()
            else None,
            "comment_form": CommentForm(),
            "preview": replay_preview(item=item) if item.corrected_payload is not None else None,
            "corrections": item.corrections.select_related("actor"),
            "actions": item.actions.select_related("actor"),
            "trace_url": reverse("operations:trace", args=[item.subject_type, item.subject_key]),
            "group_url": group_url(item.cause) if item.cause else "",
        }
        return self._page(request, "admin/quarantine/review.html", context, status=status)


def group_url(cause: str) -> str:
    return f"{reverse('admin:quarantine_group')}?{urlencode({'cause': cause})}"


def _queue_url(querystring: str) -> str:
    base = reverse("admin:quarantine_quarantineitem_changelist")
    return f"{base}?{querystring.lstrip('?')}" if querystring else base


def form_errors(form) -> str:
    return " ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


def decision_panels(item, decisions: list[Decision], bound: NoteForm | None) -> list[DecisionPanel]:
    """One panel per form class, in registration order; the first keeps Django's default ids
    and later ones get prefixed ids, so ids stay unique while field names stay plain."""
    panels: dict[type, DecisionPanel] = {}
    for decision in decisions:
        panel = panels.get(decision.form_class)
        if panel is None:
            form = bound if type(bound) is decision.form_class else decision.form(item)
            form.auto_id = "id_%s" if not panels else f"id_{decision.name}-%s"
            panel = panels[decision.form_class] = DecisionPanel(
                html_id=f"{decision.name.replace('_', '-')}-form",
                heading=decision.role.label,
                form=form,
                buttons=[],
            )
        panel.buttons.append((decision.name, decision.label_for(item)))
    return list(panels.values())
