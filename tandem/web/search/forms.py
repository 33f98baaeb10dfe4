from django import forms
from django.utils.translation import gettext_lazy as _

# Longer input is no search term (an INN is 12 digits, an e-mail rarely over 100 characters).
SEARCH_MAX_LENGTH = 100


class SearchForm(forms.Form):
    """The header search box. Django's CharField already refuses NUL characters."""

    q = forms.CharField(label=_("Поиск"), max_length=SEARCH_MAX_LENGTH, required=False, strip=True)
