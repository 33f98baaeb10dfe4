from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import GrowthRule, NoResultsRecommendation, Opportunity, ServiceMark, Suggestion


@admin.register(Opportunity)
class OpportunityAdmin(SimpleHistoryAdmin):
    list_display = ["client", "service", "stage", "monthly_value", "probability", "owner", "next_step_date"]
    list_filter = ["stage"]
    raw_id_fields = ["client", "service", "owner"]


@admin.register(GrowthRule)
class GrowthRuleAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "kind", "is_enabled", "threshold", "months"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["client", "kind", "service", "status", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["client", "service", "opportunity"]


@admin.register(NoResultsRecommendation)
class NoResultsRecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["client", "contract_line", "decision", "created_at"]
    raw_id_fields = ["client", "contract_line", "replacement_service"]


@admin.register(ServiceMark)
class ServiceMarkAdmin(SimpleHistoryAdmin):
    list_display = ["client", "contract_line", "month", "mark"]
    raw_id_fields = ["client", "contract_line"]
