from apps.accounts.models import CompanyAccount


def accounts_visible_to(*, system):
    """The accounts a partner system is entitled to."""
    return CompanyAccount.objects.filter(accountentitlement__system=system)
