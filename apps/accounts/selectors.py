import re

from apps.accounts.models import AccountEntitlement, CompanyAccount
from apps.systems.models import ExternalReference


def accounts_visible_to(*, system):
    """The accounts a system may see: all for a system of record, else its entitled ones."""
    if system.sees_every_account():
        return CompanyAccount.objects.all()
    return CompanyAccount.objects.filter(accountentitlement__system=system)


def account_visible_to(*, system, account: CompanyAccount) -> bool:
    """Whether `system` may see (and so write or reference) the account's records."""
    if system.sees_every_account():
        return True
    return AccountEntitlement.objects.filter(system=system, account=account).exists()


def account_for(*, system, number: str) -> CompanyAccount | None:
    """The canonical account a system means by its own account number."""
    reference = ExternalReference.objects.filter(
        system=system, entity="company_account", external_id=number
    ).first()
    return CompanyAccount.objects.filter(
        number=reference.canonical_key if reference else number
    ).first()


LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "gmbh",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "sa",
    "ag",
    "bv",
}


def company_name_normalise(name: str) -> str:
    """Ignore case, punctuation and legal suffixes ("Acme, Inc." = "acme")."""
    words = re.sub(r"[^a-z0-9 ]+", " ", name.lower()).split()
    return " ".join(word for word in words if word not in LEGAL_SUFFIXES)


def account_duplicate_of(
    *, tax_id: str = "", duns: str = "", name: str = "", postal_code: str = ""
) -> tuple[CompanyAccount, str] | None:
    """An existing account the described company may already be, with the reason."""
    if tax_id and (found := CompanyAccount.objects.filter(tax_id=tax_id).first()):
        return found, "same tax id"
    if duns and (found := CompanyAccount.objects.filter(duns=duns).first()):
        return found, "same DUNS number"
    if name and postal_code:
        wanted = company_name_normalise(name)
        for account in CompanyAccount.objects.filter(postal_code=postal_code):
            if company_name_normalise(account.name) == wanted:
                return account, "same name and postal code"
    return None
