"""Sign-in for API clients and their tokens.

- `POST auth/token/` {username, password[, name][, otp]} → {"token": key, ...}: a new named token (the
  key is shown only here). Expires after API_TOKEN_LIFETIME_DAYS when that is set. With two-factor
  sign-in on, `otp` (a code from the app or a recovery code) is required; wrong codes are counted
  and lock the second step (429 with Retry-After).
- `GET auth/tokens/`: the caller's own tokens (never the keys); `DELETE auth/tokens/<id>/` revokes
  one of them (someone else's is 404).

Wrong passwords are counted by django-axes per username and IP address; once locked out the
answer is 429 JSON with Retry-After (config.lockout), before the password is even checked.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.api.permissions import IsAgencyEmployee
from tandem.org import selectors, services
from tandem.org.models import ApiToken, User
from tandem.org.permissions import api_token_get_for
from tandem.portal.permissions import is_portal_user

from ._common import StrictInputSerializer, actor_of


class TokenObtainInputSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="API")
    otp = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="",
        help_text="Code from the authenticator app (or a recovery code): required when the user has two-factor sign-in.",
    )


class TokenObtainOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`. Shown only once.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]


def token_lifetime() -> timedelta | None:
    days = settings.API_TOKEN_LIFETIME_DAYS
    return timedelta(days=days) if days else None


class TokenObtainApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenObtainInputSerializer, responses={200: TokenObtainOutputSerializer})
    def post(self, request: Request) -> Response:
        data = TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The plain Django request goes to authenticate(): axes marks it when the pair is locked
        # out and AxesMiddleware then answers with the lockout JSON.
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        # Client contacts (tandem.portal) sign in to the portal only: no staff API token for them.
        if user is None or is_portal_user(user):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Неверный логин или пароль, или вход для этой учётной записи закрыт.")]}
            )
        self._second_factor(user, data.validated_data["otp"])
        # As a web sign-in does: records last_login and lets axes clear the failure count.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, key = services.api_token_issue(user=user, name=data.validated_data["name"], lifetime=token_lifetime())
        return Response({"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at})


    @staticmethod
    def _second_factor(user: User, code: str) -> None:
        """With two-factor sign-in on, a token is issued only after a valid code; a role the agency
        requires it for gets no token until it is enabled (on the «Безопасность» page)."""
        if not services.totp_enabled(user):
            if services.totp_required(user):
                raise serializers.ValidationError({"otp": [_(
                    "Для вашей роли агентство требует двухфакторную аутентификацию: включите её на странице «Безопасность»."
                )]})
            return
        if not code:
            raise serializers.ValidationError({"otp": [_("Введите код из приложения-аутентификатора.")]})
        try:
            passed = services.totp_verify(user=user, code=code)
        except services.TotpLocked as exc:
            wait = max(1, int((exc.until - timezone.now()).total_seconds()))
            raise Throttled(wait=wait, detail=exc.message) from None
        if not passed:
            raise serializers.ValidationError({"otp": [_("Неверный код.")]})


class TokenListApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses={200: ApiTokenSerializer(many=True)})
    def get(self, request: Request) -> Response:
        tokens = selectors.api_token_list(actor=actor_of(request))
        return Response(ApiTokenSerializer(tokens, many=True).data)


class TokenRevokeApi(APIView):
    permission_classes = [IsAgencyEmployee]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        actor = actor_of(request)
        services.api_token_revoke(actor=actor, token=api_token_get_for(actor, token_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("token/", TokenObtainApi.as_view(), name="token"),
    path("tokens/", TokenListApi.as_view(), name="token-list"),
    path("tokens/<int:token_id>/", TokenRevokeApi.as_view(), name="token-revoke"),
]
