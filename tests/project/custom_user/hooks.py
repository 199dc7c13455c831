import httpx


def pre_login_user(user, request):
    """Copy the person's names, e-mail and job title from Microsoft Graph at every sign-in."""
    token = request.session["microsoft_sso_access_token"]
    response = httpx.get(
        "https://graph.microsoft.com/v1.0/me/",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    me = response.json()
    user.first_name = me["givenName"] or ""
    user.last_name = me["surname"] or ""
    user.email = me["mail"] or user.email
    user.job_title = me["jobTitle"] or ""
    user.save()
