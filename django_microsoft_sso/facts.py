"""What is known of the person signing in, and how far each fact may be believed."""

from __future__ import annotations

from dataclasses import dataclass

from django_microsoft_sso import tenants
from django_microsoft_sso.tokens import MicrosoftIdentity


def email_domain(address: str | None) -> str | None:
    """The lower-cased domain of an e-mail address or UPN, or None when it has none."""
    if not address or address.count("@") != 1:
        return None
    local, domain = address.rsplit("@", 1)
    domain = domain.strip().rstrip(".").lower()
    return domain if local and domain else None


@dataclass(frozen=True)
class PersonFacts:
    """What is known of the person signing in, with the trust each fact deserves."""

    identity: MicrosoftIdentity
    user_principal_name: str
    mail: str | None
    tenant_trusted: bool

    @property
    def upn_domain_verified(self) -> bool:
        """A work account's UPN domain is a domain its tenant has verified."""
        return tenants.upn_domain_verified(self.identity.tenant_id)

    @property
    def email(self) -> str | None:
        """The Graph ``mail``, when it may be believed; else None.

        ``mail`` is whatever the person's tenant wrote there. It counts when that tenant is one
        this project trusts, when it is in the UPN's own (verified) domain, or when the id_token
        says the tenant owns the e-mail domain (``xms_edov``).
        """
        if not self.mail or not email_domain(self.mail):
            return None
        same_domain = self.upn_domain_verified and email_domain(self.mail) == email_domain(
            self.user_principal_name
        )
        if self.tenant_trusted or same_domain or self.identity.email_domain_owner_verified:
            return self.mail
        return None

    @property
    def judged_address(self) -> str:
        """The address the domain policy looks at: the e-mail that counts, else the UPN."""
        return self.email or self.user_principal_name

    def addresses(self) -> set[str]:
        """Addresses that may match ``STAFF_LIST`` and ``SUPERUSER_LIST``."""
        found = {self.user_principal_name.lower()}
        if self.email:
            found.add(self.email.lower())
        return found
