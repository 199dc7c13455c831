from django.urls import path

from django_microsoft_sso import views

app_name = "django_microsoft_sso"

urlpatterns = [
    path("login/", views.start_login, name="oauth_start_login"),
    path("callback/", views.callback, name="oauth_callback"),
    path("logout/", views.logout_view, name="oauth_logout"),
    path(
        "front-channel-logout/",
        views.front_channel_logout,
        name="oauth_front_channel_logout",
    ),
    path("picture/<str:user_pk>/", views.picture, name="picture"),
]
