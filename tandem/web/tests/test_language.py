from django.urls import reverse


def test_russian_by_default_even_for_english_browsers(org, web_client_for):
    web = web_client_for(org.am1)
    response = web.get(reverse("web:client_list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "ru"
    assert "Клиенты" in response.content.decode()


def test_language_switch_to_english_sticks(org, web_client_for):
    web = web_client_for(org.am1)
    web.post(reverse("set_language"), {"language": "en", "next": "/clients/"})
    response = web.get(reverse("web:client_list"))
    assert response["Content-Language"] == "en"
