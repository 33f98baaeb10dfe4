from django.urls import path, re_path

from tandem.web.my_day import client_reports as _my_day_client_reports  # noqa: F401  (registers the section)

from . import retention_views, views

urlpatterns = [
    path("reports/", views.client_report_list, name="client_report_list"),
    path("reports/<int:pk>/", views.client_report_detail, name="client_report_detail"),
    path("reports/<int:pk>/rebuild/", views.client_report_rebuild, name="client_report_rebuild"),
    path("reports/<int:pk>/send/", views.client_report_send, name="client_report_send"),
    path("reports/<int:pk>/pdf/", views.client_report_pdf, name="client_report_pdf"),
    path("reports/<int:pk>/docx/", views.client_report_docx, name="client_report_docx"),
    path("clients/<int:pk>/reports/new/", views.client_report_new, name="client_report_new"),
    path("clients/<int:pk>/proposal/", views.client_proposal, name="client_proposal"),
    path("documents/templates/", views.document_templates, name="document_templates"),
    path("documents/templates/<int:pk>/off/", views.document_template_off, name="document_template_off"),
    re_path(r"^documents/templates/default/(?P<kind>[a-z_]+)\.docx$", views.document_template_default,
            name="document_template_default"),
    re_path(r"^contracts/(?P<pk>[0-9]+)/document\.(?P<fmt>docx|pdf)$", views.contract_document,
            name="contract_document"),
    re_path(r"^acts/(?P<pk>[0-9]+)/document\.(?P<fmt>docx|pdf)$", views.act_document, name="act_document"),
    path("billing/month-close/", views.month_close, name="month_close"),
    path("dashboard/", retention_views.dashboard, name="dashboard"),
    path("retention/", retention_views.retention_report, name="retention"),
    path("retention/win-back/", retention_views.winback_list, name="winback"),
]
