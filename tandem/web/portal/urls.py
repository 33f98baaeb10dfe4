"""The client portal at /portal/… (included into the "web" namespace as web:portal_*), and the
AM's invitation pages on contacts."""

from django.urls import path

from . import (
    my_day,  # noqa: F401  (registers the My day section)
    staff_views,
    views,
)

urlpatterns = [
    path("portal/login/", views.PortalLogin.as_view(), name="portal_login"),
    path("portal/login/code/", views.login_code, name="portal_login_code"),
    path("portal/logout/", views.PortalLogout.as_view(), name="portal_logout"),
    path("portal/invitation/<str:token>/", views.invitation_accept, name="portal_accept"),
    path("portal/", views.home, name="portal_home"),
    path("portal/projects/", views.projects, name="portal_projects"),
    path("portal/stages/<str:sid>/", views.stage_detail, name="portal_stage"),
    path("portal/invoices/", views.invoices, name="portal_invoices"),
    path("portal/invoices/<str:sid>/pdf/", views.invoice_pdf, name="portal_invoice_pdf"),
    path("portal/acts/<str:sid>/pdf/", views.act_pdf, name="portal_act_pdf"),
    path("portal/reports/", views.reports, name="portal_reports"),
    path("portal/reports/<str:sid>/pdf/", views.report_pdf, name="portal_report_pdf"),
    path("portal/security/", views.security, name="portal_security"),
    path("portal/security/totp/", views.totp_setup, name="portal_totp_setup"),
    path("portal/security/totp/off/", views.totp_disable, name="portal_totp_disable"),
    path("portal/hours/", views.hours, name="portal_hours"),
    path("portal/requests/", views.requests, name="portal_requests"),
    path("portal/requests/new/", views.request_new, name="portal_request_new"),
    path("portal/requests/<str:sid>/", views.request_detail, name="portal_request"),
    # Staff: the AM invites a contact and manages their access.
    path("clients/contacts/<int:pk>/portal/", staff_views.contact_portal, name="contact_portal"),
    path("clients/contacts/<int:pk>/portal/access/", staff_views.contact_portal_access, name="contact_portal_access"),
    path("clients/contacts/<int:pk>/portal/totp-reset/", staff_views.contact_portal_totp_reset,
         name="contact_portal_totp_reset"),
    path("requests/<int:pk>/portal-reply/", staff_views.request_portal_reply, name="request_portal_reply"),
    path("clients/contacts/<int:pk>/portal/revoke/", staff_views.contact_portal_revoke, name="contact_portal_revoke"),
]
