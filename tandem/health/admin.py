from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BacktestRun, HealthScore, HealthSettings, RiskProposal


@admin.register(HealthSettings)
class HealthSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "risk_threshold"]


@admin.register(HealthScore)
class HealthScoreAdmin(admin.ModelAdmin):
    list_display = ["client", "day", "score"]
    list_filter = ["day"]
    raw_id_fields = ["client"]
    readonly_fields = ["agency", "client", "day", "score", "factors", "computed_at"]


@admin.register(RiskProposal)
class RiskProposalAdmin(SimpleHistoryAdmin):
    list_display = ["client", "day", "score", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["client", "health_score", "decided_by"]


@admin.register(BacktestRun)
class BacktestRunAdmin(admin.ModelAdmin):
    list_display = ["agency", "created_at", "start", "end", "threshold"]
    readonly_fields = ["result"]
