"""The signed-in person's own account pages, included into the "web" namespace."""

from django.urls import path

from . import two_factor, views

urlpatterns = [
    path("account/security/", views.security, name="account_security"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="account_token_revoke"),
    path("account/2fa/setup/", two_factor.setup, name="account_2fa_setup"),
    path("account/2fa/disable/", two_factor.disable, name="account_2fa_disable"),
    path("account/2fa/recovery-codes/", two_factor.recovery_regenerate, name="account_2fa_recovery"),
    path("account/password/", views.PasswordChange.as_view(), name="account_password"),
]
