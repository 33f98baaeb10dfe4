"""`InIds`: `column IN (subquery)` that PostgreSQL can answer from an index inside an OR (issue 16).

Visibility filters read «rows of the projects (clients) the actor sees, or the actor's own
rows»: `project_id IN (SELECT …) OR assignee_id = 14`. PostgreSQL plans an `IN (SELECT …)`
inside an OR as a *hashed SubPlan* applied as a filter to every row of the table (an AM's
tasks: all 100,000 tasks read to count 2,400). Written `project_id = ANY(ARRAY(SELECT …))`,
the subquery becomes an InitPlan computed once and the condition an index condition, so the OR
is a BitmapOr of three index scans. Elsewhere (SQLite) it is the plain `IN (SELECT …)`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Expression, F, QuerySet, Subquery


class InIds(Expression):
    """`filter(InIds("project_id", visible_projects.values("id")))`; usable inside Q(…) | Q(…)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str | Expression, ids: QuerySet[Any] | Subquery) -> None:
        super().__init__()
        self.column = F(column) if isinstance(column, str) else column
        # Without the models' default ordering (a project's is by client name: a join for nothing).
        self.ids = ids if isinstance(ids, Subquery) else Subquery(ids.order_by())

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.ids]

    def set_source_expressions(self, exprs: Any) -> None:
        self.column, self.ids = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, column_params = compiler.compile(self.column)
        ids, ids_params = compiler.compile(self.ids)  # "(SELECT …)"
        return f"{column} IN {ids}", [*column_params, *ids_params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, column_params = compiler.compile(self.column)
        ids, ids_params = compiler.compile(self.ids)
        return f"{column} = ANY(ARRAY{ids})", [*column_params, *ids_params]
