from rest_framework.permissions import BasePermission

from apps.api.authentication import PartnerPrincipal


class IsPartner(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, PartnerPrincipal)
