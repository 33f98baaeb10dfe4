"""Sign-in for API clients: username + password → token.

Wrong passwords are counted by django-axes per username and IP address; once locked out the
answer is 429 JSON with Retry-After (config.lockout), before the password is even checked.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.urls import path
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class TokenObtainApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    serializer_class = AuthTokenSerializer

    def post(self, request: Request) -> Response:
        # The plain Django request goes to authenticate(): axes marks it when the pair is locked
        # out and AxesMiddleware then answers with the lockout JSON.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # As a web sign-in does: records last_login and lets axes clear the failure count.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


urlpatterns = [
    path("token/", TokenObtainApi.as_view(), name="token"),
]
