from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


@login_required
def private(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"private page of {request.user.get_username()}")
