"""Portal API v1 (/api/portal/v1/…), documented in its own schema at /api/portal/schema/."""

from django.urls import path

from . import views

app_name = "portal_api"

urlpatterns = [
    path("me/", views.MeApi.as_view(), name="me"),
    path("projects/", views.ProjectListApi.as_view(), name="projects"),
    path("stages/<str:sid>/", views.StageDetailApi.as_view(), name="stage"),
    path("stages/<str:sid>/answer/", views.StageAnswerApi.as_view(), name="stage_answer"),
    path("invoices/", views.InvoiceListApi.as_view(), name="invoices"),
    path("invoices/<str:sid>/pdf/", views.InvoicePdfApi.as_view(), name="invoice_pdf"),
    path("acts/", views.ActListApi.as_view(), name="acts"),
    path("acts/<str:sid>/pdf/", views.ActPdfApi.as_view(), name="act_pdf"),
    path("reports/", views.ReportListApi.as_view(), name="reports"),
    path("reports/<str:sid>/pdf/", views.ReportPdfApi.as_view(), name="report_pdf"),
    path("hours/", views.HoursApi.as_view(), name="hours"),
    path("requests/", views.RequestListApi.as_view(), name="requests"),
    path("requests/<str:sid>/", views.RequestDetailApi.as_view(), name="request"),
    path("requests/<str:sid>/replies/", views.RequestReplyApi.as_view(), name="request_replies"),
]
