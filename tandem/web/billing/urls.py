from django.urls import path

from . import my_day, views  # noqa: F401  (my_day registers sections and reminders)

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/retainers/", views.retainers_generate, name="invoice_retainers"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/cancel/", views.invoice_cancel, name="invoice_cancel"),
    path("invoices/<int:pk>/act/", views.act_create, name="invoice_act_create"),
    path("invoices/<int:pk>/promise/", views.promise_add, name="invoice_promise"),
    path("acts/<int:pk>/pdf/", views.act_pdf, name="act_pdf"),
    path("payments/", views.payment_queue, name="payment_queue"),
    path("payments/new/", views.payment_create, name="payment_create"),
    path("payments/upload/", views.statement_upload, name="statement_upload"),
    path("payments/imports/<int:pk>/", views.statement_report, name="statement_report"),
    path("payments/<int:pk>/match/", views.payment_match, name="payment_match"),
    path("receivables/", views.receivables, name="receivables"),
    path("plans/", views.plan_list, name="plan_list"),
    path("profitability/", views.profitability, name="profitability"),
]
