"""Delete views that refuse while the object is used somewhere, and say
where (a media asset, a brand asset)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils.functional import cached_property
from wagtail.log_actions import log

from ..services.assets import AssetInUse, AssetUse


class InUseDeleteMixin:
    """For a generic DeleteView: where the object is used is shown instead
    of the button, and a deletion that meets a use (found before, or
    appearing meanwhile) is refused with the reason, never a server error.

    Subclasses say how to find the uses, why they refuse, and how to delete
    (raising AssetInUse when a use appears during the deletion).
    """

    template_name = "media_pipeline/admin/confirm_delete.html"

    def find_uses(self) -> list[AssetUse]:
        raise NotImplementedError

    def uses_reason(self, uses: list[AssetUse]) -> str:
        raise NotImplementedError

    def delete_object(self) -> None:
        raise NotImplementedError

    @cached_property
    def uses(self) -> list[AssetUse]:
        return self.find_uses()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.uses:
            context["is_protected"] = True
            context["uses"] = self.uses
            context["uses_reason"] = self.uses_reason(self.uses)
        return context

    def form_valid(self, form):
        try:
            if self.uses:
                raise AssetInUse(self.uses, reason=self.uses_reason(self.uses))
            with transaction.atomic():
                log(
                    instance=self.object,
                    action="wagtail.delete",
                    user=self.request.user,
                )
                self.delete_object()
        except AssetInUse as refusal:
            messages.error(self.request, refusal.reason)
            return redirect(self.get_delete_url())
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())
