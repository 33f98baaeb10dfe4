"""The signed-in person's own account pages, included into the "web" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("account/security/", views.security, name="account_security"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="account_token_revoke"),
    path("account/password/", views.PasswordChange.as_view(), name="account_password"),
]
