"""Growth pages, included into the "web" namespace by tandem/web/urls.py."""

from django.urls import path

from . import my_day, proposals, views  # noqa: F401  (my_day registers its section of "My day")

urlpatterns = [
    path("growth/", views.board, name="growth_board"),
    path("growth/opportunities/", views.opportunity_list, name="growth_opportunities"),
    path("growth/opportunities/new/", views.opportunity_create, name="growth_opportunity_create"),
    path("growth/opportunities/<int:pk>/", views.opportunity_detail, name="growth_opportunity"),
    path("growth/opportunities/<int:pk>/edit/", views.opportunity_edit, name="growth_opportunity_edit"),
    path("growth/opportunities/<int:pk>/move/", views.opportunity_move, name="growth_move"),
    path("growth/suggestions/", views.suggestion_list, name="growth_suggestions"),
    path("growth/suggestions/refresh/", views.growth_refresh, name="growth_refresh"),
    path("growth/suggestions/<int:pk>/accept/", views.suggestion_accept, name="growth_suggestion_accept"),
    path("growth/suggestions/<int:pk>/dismiss/", views.suggestion_dismiss, name="growth_suggestion_dismiss"),
    path("growth/no-results/", views.recommendation_list, name="growth_recommendations"),
    path("growth/no-results/<int:pk>/decide/", views.recommendation_decide, name="growth_decide"),
    path("growth/marks/", views.mark_list, name="growth_marks"),
    path("growth/rules/", views.rule_settings, name="growth_rules"),
    path("growth/proposals/", proposals.proposal_list, name="growth_proposals"),
    path("growth/proposals/new/", proposals.proposal_create, name="growth_proposal_create"),
    path("growth/proposals/<int:pk>/", proposals.proposal_detail, name="growth_proposal"),
    path("growth/proposals/<int:pk>/status/", proposals.proposal_status, name="growth_proposal_status"),
    path("growth/proposals/<int:pk>/contract/", proposals.proposal_contract, name="growth_proposal_contract"),
    path("growth/proposals/<int:pk>/document/<str:fmt>/", proposals.proposal_document, name="growth_proposal_document"),
    path("clients/<int:pk>/growth/", views.client_growth_panel, name="client_growth_panel"),
]
