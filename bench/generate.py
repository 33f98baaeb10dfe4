"""A believable agency at scale for benchmarks: `python -m bench.generate --factor 0.1 --seed 1`.

At factor 1: 1,000 clients (200 churned), 4,000 contacts, 150 employees in 8 groups, 2,500
contracts with lines and their projects, five years of history — about 2,000,000 time entries,
60,000 invoices with lines and acts, 55,000 payments with allocations, 500,000 interactions,
100,000 tasks, 30,000 requests — and every AM's monthly payment plan. Sizes scale with the
factor (0.002 … 1). The same seed and "today" give the same data.

Rows are written through the real models' tables: PostgreSQL COPY (psycopg 3 `cursor.copy()`)
on PostgreSQL, batched INSERTs elsewhere; ids are assigned here so that parents and children
are written in one pass, and sequences are reset at the end. Every database constraint stays on.
The values the services keep denormalised are computed the way the services compute them:
invoice and act totals from lines (`billing.calc.document_totals`), invoice paid amount and
status from allocations, payment allocated amount, time-entry cost = hours × the cost rate
valid that day, SLA deadlines from the policy and the working calendar, and the number
sequences of invoices, acts and contracts.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

if __name__ == "__main__":  # pragma: no cover - CLI bootstrap
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction

from tandem.billing.calc import document_totals, line_amount
from tandem.billing.models import (
    Act,
    ActLine,
    ActStatus,
    BillingSettings,
    BonusRule,
    BonusTier,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberSequence,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    SubcontractorCost,
)
from tandem.clients.models import (
    AccountManagerChange,
    ChurnReason,
    Client,
    ClientKind,
    ClientTier,
    Contact,
    LifecycleStatus,
    LifecycleTransition,
    ServiceKind,
    TeamMember,
)
from tandem.comms.models import ClientRequest, CommChannel, Direction, Interaction, InteractionKind, Priority
from tandem.comms.services.calendar import sla_terms
from tandem.contracts.models import (
    BillingModel,
    Contract,
    ContractLine,
    ContractNumberCounter,
    ContractSettings,
    ContractStatus,
    Service,
    Subcontractor,
    VatMode,
    VatRate,
)
from tandem.core.money import ZERO, to_money
from tandem.integrations.workcalendar import WorkCalendar, add_minutes
from tandem.org.models import Agency, Employee, Group, User
from tandem.org.roles import Grade, Role, Specialty
from tandem.work.models import (
    EmployeeCostRate,
    Project,
    ProjectStatus,
    Stage,
    StageKind,
    StageStatus,
    Task,
    TaskStatus,
    TimeEntry,
)
from tandem.work.services import time_rollup_rebuild

MSK = ZoneInfo("Europe/Moscow")
PASSWORD = "bench-pass"
AGENCY_NAME = "Агентство «Бенчмарк»"
AGENCY_ACCOUNT = "40702810900000000001"
AGENCY_BIK = "044525225"
YEARS = 5

# Sizes at factor 1 (issue #6).
BASE = {
    "clients": 1000, "churned": 200, "contacts": 4000, "employees": 150, "contracts": 2500,
    "time_entries": 2_000_000, "invoices": 60_000, "payments": 55_000, "interactions": 500_000,
    "tasks": 100_000, "requests": 30_000,
}

BRAND_A = ["Строй", "Эко", "Мега", "Гранд", "Дом", "Био", "Техно", "Вело", "Арт", "Мед", "Авто", "Агро", "Нео",
           "Смарт", "Фреш", "Вкус", "Сибир", "Волга", "Урал", "Балт", "Норд", "Юг", "Альфа", "Вита"]
BRAND_B = ["Маркет", "Сервис", "Лайн", "Групп", "Пром", "Комфорт", "Мастер", "Стиль", "Трейд", "Лаб", "Окна",
           "Мебель", "Клиника", "Тур", "Пекарня", "Декор", "Софт", "Логистик", "Фарм", "Спорт"]
FIRST_F = ["Анна", "Мария", "Екатерина", "Ольга", "Дарья", "Алина", "Юлия", "Ксения", "Наталья", "Елена"]
FIRST_M = ["Алексей", "Дмитрий", "Иван", "Сергей", "Михаил", "Андрей", "Никита", "Павел", "Артём", "Кирилл"]
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
        "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов"]
GROUPS = [("SEO 1", Group.Kind.SEO), ("SEO 2", Group.Kind.SEO), ("SEO 3", Group.Kind.SEO),
          ("Performance 1", Group.Kind.PERFORMANCE), ("Performance 2", Group.Kind.PERFORMANCE),
          ("SMM", Group.Kind.OTHER), ("Разработка", Group.Kind.OTHER), ("Нестандартные проекты", Group.Kind.NON_STANDARD)]
SERVICES = [
    ("SEO-продвижение", ServiceKind.SEO), ("Контекстная реклама", ServiceKind.CONTEXT),
    ("Таргетированная реклама", ServiceKind.TARGETED), ("SMM", ServiceKind.SMM),
    ("Медийная реклама", ServiceKind.MEDIA), ("Разработка сайта", ServiceKind.DEVELOPMENT),
    ("Маркетплейсы", ServiceKind.MARKETPLACE), ("Веб-аналитика", ServiceKind.ANALYTICS),
]
# Keyed by the service kind's value: lookups use both ServiceKind members and the plain `kind`
# strings read back from Service rows.
SPECIALTY_BY_KIND: dict[str, Specialty] = {
    ServiceKind.SEO: Specialty.SEO, ServiceKind.CONTEXT: Specialty.PPC, ServiceKind.TARGETED: Specialty.TARGETING,
    ServiceKind.SMM: Specialty.SMM, ServiceKind.MEDIA: Specialty.PPC, ServiceKind.DEVELOPMENT: Specialty.DEVELOPER,
    ServiceKind.MARKETPLACE: Specialty.ANALYST, ServiceKind.ANALYTICS: Specialty.ANALYST,
}
SUMMARIES = ["Обсудили отчёт за месяц", "Согласовали план работ", "Клиент спросил про позиции",
             "Уточнили бюджет на рекламу", "Созвон по стратегии", "Отправили КП на SMM", "Напомнили об оплате"]
TASK_TITLES = ["Собрать семантику", "Настроить кампанию", "Подготовить отчёт", "Аудит сайта", "Контент-план",
               "Правки по ТЗ", "Настроить цели Метрики", "Обновить объявления", "Технические правки", "Тексты категорий"]


def scaled(name: str, factor: float, minimum: int = 1) -> int:
    return max(minimum, round(BASE[name] * factor))


def inn10(rng: random.Random) -> str:
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    check = sum(d * w for d, w in zip(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def ogrn13(rng: random.Random) -> str:
    body = "1" + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return body + str(int(body) % 11 % 10)


def person(rng: random.Random) -> str:
    female = rng.random() < 0.5
    last = rng.choice(LAST)
    return f"{last + 'а' if female else last} {rng.choice(FIRST_F if female else FIRST_M)}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, n: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 + n, 12)
    return date(y, m + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A Moscow wall-clock moment (its local date is `day`)."""
    return datetime.combine(day, dtime(hour, minute), tzinfo=MSK)


# --- writing rows ------------------------------------------------------------------------------


class Writer:
    """Writes rows into a model's table: COPY on PostgreSQL, executemany INSERT elsewhere.

    Field names are checked against the model, so a renamed field fails loudly."""

    def __init__(self, batch: int = 5000) -> None:
        self.batch = batch
        self.counts: dict[str, int] = defaultdict(int)
        self.models: list[type[models.Model]] = []

    def columns(self, model: type[models.Model], fields: Sequence[str]) -> list[str]:
        cols = []
        for name in fields:
            f = model._meta.get_field(name)
            # A reverse relation or a many-to-many field has no column of this table to write.
            if not isinstance(f, models.Field) or not f.concrete or f.column is None:
                raise ValueError(f"{model.__name__}.{name} is not a column of {model._meta.db_table}")
            cols.append(f.column)
        return cols

    def write(self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        table = model._meta.db_table
        cols = self.columns(model, fields)
        # Columns added to a model after its generator was written (NOT NULL with a default or a
        # blank text, such as an invoice's discount) get the model's default, so raw inserts keep
        # up with the models.
        named = set(fields) | {getattr(model._meta.get_field(name), "attname", name) for name in fields}
        extra = [f for f in model._meta.concrete_fields
                 if not f.primary_key and not f.null and (f.has_default() or f.empty_strings_allowed)
                 and f.name not in named
                 and f.attname not in named and not isinstance(f, models.JSONField)]
        if extra:
            cols = cols + [str(f.column) for f in extra]
            defaults = tuple(f.get_default() for f in extra)
            rows = (tuple(row) + defaults for row in rows)
        if model not in self.models:
            self.models.append(model)
        n = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                sql = f'COPY "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) FROM STDIN'
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            else:
                qn = connection.ops.quote_name
                sql = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
                chunk: list[Sequence[Any]] = []
                for row in rows:
                    chunk.append(tuple(self._prep(v) for v in row))
                    if len(chunk) >= self.batch:
                        cursor.executemany(sql, chunk)
                        n += len(chunk)
                        chunk = []
                if chunk:
                    cursor.executemany(sql, chunk)
                    n += len(chunk)
        self.counts[table] += n
        return n

    @staticmethod
    def _prep(value: Any) -> Any:
        if isinstance(value, datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, date):
            return connection.ops.adapt_datefield_value(value)
        if isinstance(value, dtime):
            return connection.ops.adapt_timefield_value(value)
        if isinstance(value, Decimal):
            return str(value)
        return value

    def reset_sequences(self) -> None:
        sql = connection.ops.sequence_reset_sql(no_style(), self.models)
        if sql:
            with connection.cursor() as cursor:
                for statement in sql:
                    cursor.execute(statement)


class Ids:
    """Sequential ids per model from 1: the generator only writes into empty tables (no query,
    so ids can be drawn while a COPY is streaming)."""

    def __init__(self) -> None:
        self.next: dict[type[models.Model], int] = {}

    def __call__(self, model: type[models.Model]) -> int:
        value = self.next.get(model, 1)
        self.next[model] = value + 1
        return value


# --- the plan of the data set ------------------------------------------------------------------


# (contract line id, service id, monthly amount, service name) of a contract's retainer line.
RetainerLine = tuple[int, int, Decimal, str]


@dataclass
class Emp:
    id: int
    user_id: int
    role: Role
    group_id: int | None
    specialty: str
    rates: list[tuple[date, Decimal]]  # (valid_from, rate) ascending

    def rate_on(self, day: date) -> Decimal:
        rate = self.rates[0][1]
        for valid_from, value in self.rates:
            if valid_from <= day:
                rate = value
            else:
                break
        return rate


@dataclass
class Cl:
    id: int
    am_id: int
    group_id: int
    status: LifecycleStatus
    tier: ClientTier
    inn: str
    name: str
    start: date
    end: date  # last day of service (today for served clients)
    contact_ids: list[int] = field(default_factory=list)
    specialists: list[int] = field(default_factory=list)
    am_history: list[tuple[date, int, int]] = field(default_factory=list)  # (day, prev, new)

    def am_on(self, day: date) -> int:
        if not self.am_history:
            return self.am_id
        manager = self.am_history[0][1]
        for changed_on, _prev, new in self.am_history:
            if changed_on <= day:
                manager = new
        return manager


# (invoice date, contract id, client, VAT mode, lines, invoice kind) of an invoice to write.
InvoicePlan = tuple[date, int, Cl, str, list[RetainerLine], Invoice.Kind]


@dataclass
class Proj:
    id: int
    client: Cl
    line_id: int
    service_id: int
    kind: str
    am_id: int
    specialist_id: int
    start: date
    end: date
    task_ids: list[int] = field(default_factory=list)


@dataclass
class GenResult:
    factor: float
    seed: int
    today: date
    seconds: float
    counts: dict[str, int]
    agency_id: int
    logins: dict[str, str]


def database_has_data() -> bool:
    return Agency.objects.exists() or Client.objects.exists() or User.objects.exists()


def reset_database() -> None:
    """Empty every table of the project's apps (a fresh migrated state)."""
    from django.apps import apps

    tables = [m._meta.db_table for m in apps.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy and m._meta.app_label not in ("contenttypes", "sessions")
              and m._meta.db_table != "auth_permission"]
    tables += ["django_session"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            existing = set(connection.introspection.table_names(cursor))
            quoted = ", ".join(f'"{t}"' for t in tables if t in existing)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending deferred checks block TRUNCATE
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for t in tables:
                cursor.execute(f'DELETE FROM "{t}"')
            cursor.execute("PRAGMA foreign_keys = ON")


def generate(*, factor: float = 1.0, seed: int = 1, today: date | None = None, reset: bool = False,
             log: Any = print) -> GenResult:
    """Build the data set into the configured database (refuses a non-empty one unless `reset`)."""
    if not 0 < factor <= 1:
        raise ValueError("factor must be in (0, 1]")
    if database_has_data():
        if not reset:
            raise RuntimeError("The database already holds data: use --reset (or an empty, migrated database).")
        reset_database()
    started = time.perf_counter()
    gen = _Generator(factor=factor, seed=seed, today=today or date.today(), log=log)
    with transaction.atomic():
        gen.run()
        gen.w.reset_sequences()
    if connection.vendor == "postgresql":
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        log(f"  analyze: {time.perf_counter() - t:.1f}s")
    seconds = time.perf_counter() - started
    counts = dict(gen.w.counts)
    return GenResult(factor=factor, seed=seed, today=gen.today, seconds=round(seconds, 1), counts=counts,
                     agency_id=gen.agency.pk, logins=gen.logins)


class _Generator:
    def __init__(self, *, factor: float, seed: int, today: date, log: Any) -> None:
        self.f = factor
        self.rng = random.Random(seed)
        self.today = today
        self.log = log
        self.w = Writer()
        self.ids = Ids()
        self.history_start = date(today.year - YEARS, today.month, 1)
        self.now = at(today, 9, 0)
        self.created = at(self.history_start, 9)
        self.logins: dict[str, str] = {}

    def step(self, name: str, fn: Any) -> None:
        t = time.perf_counter()
        fn()
        self.log(f"  {name}: {time.perf_counter() - t:.1f}s")

    def run(self) -> None:
        self.step("org", self.org)
        self.step("clients", self.clients)
        self.step("contracts", self.contracts)
        self.step("tasks", self.tasks)
        self.step("time entries", self.time_entries)
        self.step("time rollup", self.time_rollup)
        self.step("invoices", self.invoices)
        self.step("payments", self.payments)
        self.step("plans", self.plans)
        self.step("interactions", self.interactions)
        self.step("requests", self.requests)

    # --- org -------------------------------------------------------------------------------

    def org(self) -> None:
        rng, ts = self.rng, self.created
        self.agency = Agency.objects.create(name=AGENCY_NAME, legal_name='ООО "Бенчмарк"')
        a = self.agency.pk
        n_groups = 8 if self.f >= 0.05 else 2
        self.group_ids = []
        for name, kind in GROUPS[:n_groups]:
            self.group_ids.append(Group.objects.create(agency_id=a, name=name, kind=kind).pk)
        total = max(scaled("employees", self.f), 12)
        n_gh = n_groups
        n_fin = max(1, round(3 * self.f))
        n_am = max(2, round(45 * self.f))
        n_spec = max(4, total - 2 - n_fin - n_gh - n_am)
        roles: list[tuple[str, Role, int | None]] = [("head", Role.HEAD_OF_ACCOUNTS, None), ("admin", Role.ADMIN, None)]
        roles += [(f"finance{i}", Role.FINANCE, None) for i in range(1, n_fin + 1)]
        roles += [(f"gh{i}", Role.GROUP_HEAD, self.group_ids[i - 1]) for i in range(1, n_gh + 1)]
        roles += [(f"am{i}", Role.ACCOUNT_MANAGER, self.group_ids[(i - 1) % n_groups]) for i in range(1, n_am + 1)]
        roles += [(f"spec{i}", Role.SPECIALIST, self.group_ids[(i - 1) % n_groups]) for i in range(1, n_spec + 1)]
        password = make_password(PASSWORD)
        users = [User(id=self.ids(User), username=u, password=password, email=f"{u}@bench.example",
                      is_staff=(u == "admin"), is_superuser=(u == "admin"), date_joined=ts) for u, _r, _g in roles]
        User.objects.bulk_create(users, batch_size=1000)
        self.w.models.append(User)
        specialties = [SPECIALTY_BY_KIND[k] for _n, k in SERVICES]
        employees, rates = [], []
        self.emps: dict[int, Emp] = {}
        base_rate = {Role.HEAD_OF_ACCOUNTS: 2500, Role.ADMIN: 1800, Role.FINANCE: 1500, Role.GROUP_HEAD: 2000,
                     Role.ACCOUNT_MANAGER: 1000, Role.SPECIALIST: 900}
        for i, (user, (username, role, group_id)) in enumerate(zip(users, roles, strict=True)):
            specialty = specialties[i % len(specialties)] if role == Role.SPECIALIST else ""
            grade = rng.choice(list(Grade)) if role in (Role.SPECIALIST, Role.ACCOUNT_MANAGER) else Grade.SENIOR
            rate = Decimal(base_rate[role] + rng.randrange(0, 500, 50))
            emp_id = self.ids(Employee)
            # A raise each January: the cost-rate history the time entries follow.
            history = [(self.history_start, rate)]
            for year in range(self.history_start.year + 1, self.today.year + 1):
                rate = to_money(rate * Decimal("1.08"))
                history.append((date(year, 1, 1), rate))
            self.emps[emp_id] = Emp(emp_id, user.pk, role, group_id, specialty, history)
            employees.append(Employee(
                id=emp_id, agency_id=a, user_id=user.pk, full_name=person(rng), role=role, specialty=specialty,
                grade=grade, group_id=group_id, hourly_cost_rate=history[-1][1], monthly_capacity_hours=160,
            ))
            rates += [EmployeeCostRate(employee_id=emp_id, valid_from=d, rate=r) for d, r in history]
            self.logins.setdefault(str(role.value), username)
        Employee.objects.bulk_create(employees, batch_size=1000)
        EmployeeCostRate.objects.bulk_create(rates, batch_size=2000)
        self.w.models += [Employee, EmployeeCostRate]
        # Every group head was given a group above; the check only tells the type checker so.
        heads_by_group = {e.group_id: e.id for e in self.emps.values()
                          if e.role == Role.GROUP_HEAD and e.group_id is not None}
        for gid, head_id in heads_by_group.items():
            Group.objects.filter(pk=gid).update(head_id=head_id)
        self.ams = [e for e in self.emps.values() if e.role == Role.ACCOUNT_MANAGER]
        self.specs = [e for e in self.emps.values() if e.role == Role.SPECIALIST]
        self.head = next(e for e in self.emps.values() if e.role == Role.HEAD_OF_ACCOUNTS)
        self.finance = next(e for e in self.emps.values() if e.role == Role.FINANCE)
        self.specs_by_specialty: dict[str, list[Emp]] = defaultdict(list)
        for e in self.specs:
            self.specs_by_specialty[e.specialty].append(e)
        # Agency settings: VAT with history, requisites, numbering, bonus rule, services.
        VatRate.objects.create(agency_id=a, valid_from=date(2019, 1, 1), rate_percent=Decimal("20"))
        VatRate.objects.create(agency_id=a, valid_from=date(2026, 1, 1), rate_percent=Decimal("22"), note="425-ФЗ")
        BillingSettings.objects.create(
            agency_id=a, supplier_name='ООО "Бенчмарк"', inn="7707083893", kpp="770701001",
            address="г. Москва, ул. Тестовая, д. 1", bank_name="ПАО Сбербанк", bik=AGENCY_BIK,
            correspondent_account="30101810400000000225", bank_account=AGENCY_ACCOUNT,
            director_name="Соколова Марина", accountant_name="Лебедева Ирина",
        )
        ContractSettings.objects.create(agency_id=a)
        rule = BonusRule.objects.create(agency_id=a, valid_from=self.history_start, fixed_salary=Decimal("80000"))
        BonusTier.objects.bulk_create([BonusTier(rule=rule, from_percent=Decimal("80"), share_percent=Decimal("5")),
                                       BonusTier(rule=rule, from_percent=Decimal("100"), share_percent=Decimal("8"))])
        self.services = [Service.objects.create(agency_id=a, name=n, kind=k) for n, k in SERVICES]
        self.subcontractors = [Subcontractor.objects.create(agency_id=a, name=f'ООО "Субподряд {i}"', inn=inn10(rng))
                               for i in range(1, 4)]

    # --- clients, contacts, teams --------------------------------------------------------------

    def clients(self) -> None:
        rng, a = self.rng, self.agency.pk
        n = scaled("clients", self.f, 2)
        n_churned = round(n * BASE["churned"] / BASE["clients"])
        days = (self.today - self.history_start).days
        statuses = [LifecycleStatus.CHURNED] * n_churned
        rest = n - n_churned
        n_lead, n_onb, n_risk = round(rest * 0.05), round(rest * 0.06), round(rest * 0.12)
        statuses += [LifecycleStatus.LEAD] * n_lead + [LifecycleStatus.ONBOARDING] * n_onb
        statuses += [LifecycleStatus.AT_RISK] * n_risk
        statuses += [LifecycleStatus.ACTIVE] * (n - len(statuses))
        rng.shuffle(statuses)
        self.cls: list[Cl] = []
        used: set[str] = set()
        user_of = {e.id: e.user_id for e in self.emps.values()}
        rows, transitions, am_changes = [], [], []
        for i, status in enumerate(statuses):
            brand = f"{rng.choice(BRAND_A)}{rng.choice(BRAND_B).lower()}"
            if brand in used:
                brand = f"{brand} {i}"
            used.add(brand)
            am = self.ams[i % len(self.ams)]
            if status == LifecycleStatus.ONBOARDING:
                start = self.today - timedelta(days=rng.randint(5, 55))
            elif status == LifecycleStatus.LEAD:
                start = self.today - timedelta(days=rng.randint(1, 60))
            else:
                start = self.history_start + timedelta(days=rng.randint(0, max(1, days - 120)))
            end = self.today
            if status == LifecycleStatus.CHURNED:
                end = start + timedelta(days=rng.randint(90, max(91, (self.today - start).days - 1)))
                end = min(end, self.today - timedelta(days=1))
            inn = inn10(rng)
            tier = rng.choice([ClientTier.KEY, ClientTier.CURRENT, ClientTier.CURRENT, ClientTier.NEW])
            cid = self.ids(Client)
            c = Cl(cid, am.id, am.group_id or self.group_ids[0], status, tier, inn, f'ООО "{brand}"', start, end)
            # Every tenth long-standing client changed its AM once (the history drives plan fulfilment).
            if i % 10 == 3 and (end - start).days > 200 and len(self.ams) > 1:
                prev = self.ams[(i + 1) % len(self.ams)]
                change_day = start + timedelta(days=rng.randint(60, (end - start).days - 30))
                c.am_history.append((change_day, prev.id, am.id))
                am_changes.append((self.ids(AccountManagerChange), cid, prev.id, am.id, user_of[self.head.id],
                                   at(change_day, 12), "Контакт не сложился", False))
            self.cls.append(c)
            churn = rng.choice(list(ChurnReason)) if status == LifecycleStatus.CHURNED else ""
            changed = at(end if status == LifecycleStatus.CHURNED else start, 11)
            rows.append((cid, a, c.name, brand, inn, inn[:4] + "01001", ogrn13(rng), "г. Москва, ул. Ленина, д. 1",
                         "ПАО Сбербанк", "044525225", "40702810938000000001", "30101810400000000225",
                         rng.choice(list(ClientKind)), tier, status, changed, churn,
                         "Перешли к другому агентству" if churn else "", c.group_id, am.id,
                         "Любит короткие отчёты.", "", f"https://c{cid}.example.ru", at(start, 10), changed))
            transitions.append((self.ids(LifecycleTransition), cid, "", LifecycleStatus.LEAD, user_of[am.id],
                                at(start, 10), "", ""))
            if status != LifecycleStatus.LEAD:
                transitions.append((self.ids(LifecycleTransition), cid, LifecycleStatus.LEAD, LifecycleStatus.ACTIVE
                                    if status != LifecycleStatus.ONBOARDING else LifecycleStatus.ONBOARDING,
                                    user_of[am.id], at(start, 11), "Договор подписан", ""))
            if status in (LifecycleStatus.CHURNED, LifecycleStatus.AT_RISK):
                transitions.append((self.ids(LifecycleTransition), cid, LifecycleStatus.ACTIVE, status,
                                    user_of[am.id], changed, "Клиент недоволен", churn))
        self.w.write(Client, ["id", "agency", "legal_name", "brand_name", "inn", "kpp", "ogrn", "legal_address",
                              "bank_name", "bik", "bank_account", "correspondent_account", "kind", "tier", "status",
                              "status_changed_at", "churn_reason", "churn_comment", "group", "account_manager",
                              "character_notes", "personal_notes", "website", "created_at", "updated_at"], rows)
        self.w.write(LifecycleTransition, ["id", "client", "from_status", "to_status", "changed_by", "changed_at",
                                           "reason", "churn_reason"], transitions)
        self.w.write(AccountManagerChange, ["id", "client", "previous_manager", "new_manager", "changed_by",
                                            "changed_at", "reason", "limit_overridden"], am_changes)
        # Contacts: four per client on average, at most one urgent contact each.
        n_contacts = scaled("contacts", self.f, 2)
        contacts, team = [], []
        roles = list(Contact.Role)
        channels = list(Contact.Channel)
        for k in range(n_contacts):
            c = self.cls[k % len(self.cls)]
            ctid = self.ids(Contact)
            urgent = not c.contact_ids
            c.contact_ids.append(ctid)
            quiet = rng.random() < 0.2
            contacts.append((ctid, c.id, person(rng), "Маркетолог", rng.choice(roles), f"+7900{ctid:07d}",
                             f"contact{ctid}@client{c.id}.example.ru", "", rng.choice(channels),
                             rng.choice([3, 7, 7, 14, 30]), urgent, dtime(22) if quiet else None,
                             dtime(8) if quiet else None, None, "", True, at(c.start, 10), at(c.start, 10)))
        self.w.write(Contact, ["id", "client", "full_name", "position", "role", "phone", "email", "messenger",
                               "preferred_channel", "cadence_days", "is_urgent_contact", "quiet_hours_start",
                               "quiet_hours_end", "birthday", "notes", "is_active", "created_at", "updated_at"],
                     contacts)
        for c in self.cls:
            kinds = rng.sample([k for _n, k in SERVICES], k=rng.choice([1, 2, 2, 3]))
            for kind in kinds:
                pool = self.specs_by_specialty.get(SPECIALTY_BY_KIND[kind]) or self.specs
                spec = pool[(c.id * 7 + len(c.specialists)) % len(pool)]
                if any(s == spec.id for s in c.specialists):
                    continue
                c.specialists.append(spec.id)
                team.append((self.ids(TeamMember), c.id, spec.id, kind, at(c.start, 12), at(c.start, 12),
                             at(c.start, 12)))
        self.w.write(TeamMember, ["id", "client", "employee", "service", "added_at", "created_at", "updated_at"], team)

    # --- contracts, lines, projects, stages -------------------------------------------------------

    def contracts(self) -> None:
        rng, a = self.rng, self.agency.pk
        n = scaled("contracts", self.f, 2)
        served = [c for c in self.cls if c.status != LifecycleStatus.LEAD]
        contracts, lines, projects, stages = [], [], [], []
        counters: defaultdict[int, int] = defaultdict(int)  # contracts signed per year: the number sequence
        self.projects: list[Proj] = []
        self.retainer_contracts: list[tuple[int, Cl, str, int, date, date, list[RetainerLine]]] = []
        for k in range(n):
            c = served[k % len(served)] if served else self.cls[k % len(self.cls)]
            span = (c.end - c.start).days
            # A client's contracts follow each other; the last one of a served client is open-ended.
            first = k < len(served)
            start = c.start if first else c.start + timedelta(days=rng.randint(0, max(0, span - 30)))
            signed = start - timedelta(days=rng.randint(3, 20))
            served_now = c.status not in (LifecycleStatus.CHURNED, LifecycleStatus.LEAD)
            roll = rng.random()
            if c.status == LifecycleStatus.CHURNED or (not served_now):
                status, end = ContractStatus.CLOSED, c.end
            elif roll < 0.08 and not first:
                status, end = ContractStatus.DRAFT, None
            elif roll < 0.15 and not first:
                status, end = ContractStatus.IN_APPROVAL, None
            elif roll < 0.45 and not first:
                end = min(self.today - timedelta(days=1), start + timedelta(days=rng.randint(90, 720)))
                status = ContractStatus.CLOSED if end < self.today else ContractStatus.SIGNED
            else:
                status, end = ContractStatus.SIGNED, None
            if end is not None and end < start:
                end = start
            counters[signed.year] += 1
            number = f"{signed.year}-{counters[signed.year]:04d}"
            cid = self.ids(Contract)
            vat = VatMode.VAT if rng.random() < 0.8 else VatMode.NO_VAT
            sub = rng.choice(self.subcontractors) if rng.random() < 0.1 else None
            contracts.append((cid, a, c.id, number, signed, status, start, end, vat, rng.choice([5, 5, 10, 14]),
                              sub.pk if sub else None, "shared" if sub else "", None, "",
                              at(signed, 15) if status in (ContractStatus.SIGNED, ContractStatus.CLOSED) else None,
                              at(end, 18) if status == ContractStatus.CLOSED and end else None, "",
                              at(signed, 10), at(signed, 10)))
            retainer: list[RetainerLine] = []
            kinds = rng.sample(range(len(SERVICES)), k=rng.choice([1, 1, 2, 2, 3]))
            for si in kinds:
                service = self.services[si]
                model = BillingModel.MONTHLY_RETAINER if rng.random() < 0.85 else rng.choice(
                    [BillingModel.FIXED_PRICE, BillingModel.HOURLY])
                amount = Decimal(rng.randrange(30_000, 250_000, 5_000)) if model != BillingModel.HOURLY else Decimal(
                    rng.choice([2500, 3000, 3500]))
                lid = self.ids(ContractLine)
                lines.append((lid, cid, service.pk, model, amount, Decimal(rng.choice([10, 20, 30, 40])), ""))
                if model == BillingModel.MONTHLY_RETAINER:
                    retainer.append((lid, service.pk, amount, service.name))
                if status in (ContractStatus.SIGNED, ContractStatus.CLOSED):
                    pool = self.specs_by_specialty.get(SPECIALTY_BY_KIND[service.kind]) or self.specs
                    spec = pool[(c.id + si) % len(pool)]
                    pid = self.ids(Project)
                    p_end = end or self.today
                    self.projects.append(Proj(pid, c, lid, service.pk, service.kind, c.am_id, spec.id, start, p_end))
                    projects.append((pid, a, c.id, lid, f"{service.name} — {c.name}", c.am_id, spec.id,
                                     ProjectStatus.CLOSED if status == ContractStatus.CLOSED else ProjectStatus.ACTIVE,
                                     start, at(start, 10), at(start, 10)))
                    if status == ContractStatus.SIGNED:
                        # The current month's work and report wait for the client's approval.
                        for kind, title, st in ((StageKind.MONTHLY_WORK, "Работы за месяц", StageStatus.SENT),
                                                (StageKind.REPORT, "Отчёт за месяц", StageStatus.IN_WORK)):
                            sent = at(self.today - timedelta(days=rng.randint(1, 12)), 14) if st == StageStatus.SENT else None
                            stages.append((self.ids(Stage), pid, kind, title, self.today + timedelta(days=5), "", "",
                                           st, sent, None, at(start, 10), at(start, 10)))
            if retainer and status in (ContractStatus.SIGNED, ContractStatus.CLOSED):
                self.retainer_contracts.append((cid, c, vat, 0, start, end or self.today, retainer))
        self.w.write(Contract, ["id", "agency", "client", "number", "date", "status", "start_date", "end_date",
                                "vat_mode", "payment_terms_days", "subcontractor", "account_functions",
                                "subcontractor_rating", "subcontractor_rating_comment", "signed_at", "closed_at",
                                "notes", "created_at", "updated_at"], contracts)
        self.w.write(ContractLine, ["id", "contract", "service", "billing_model", "amount", "planned_hours_per_month",
                                    "description"], lines)
        self.w.write(Project, ["id", "agency", "client", "contract_line", "name", "account_manager", "specialist",
                               "status", "start_date", "created_at", "updated_at"], projects)
        self.w.write(Stage, ["id", "project", "kind", "title", "due_date", "deliverable_url", "deliverable_file",
                             "status", "sent_at", "approved_at", "created_at", "updated_at"], stages)
        ContractNumberCounter.objects.bulk_create(
            ContractNumberCounter(agency_id=a, period=str(y), last_value=v) for y, v in sorted(counters.items()))
        self.contract_subs = {row[0]: row[10] for row in contracts if row[10]}
        subcosts = []
        for cid, c, _vat, _x, start, end, _lines in self.retainer_contracts:
            if cid in self.contract_subs:
                m = month_start(start)
                while m <= end:
                    subcosts.append(SubcontractorCost(agency_id=a, client_id=c.id, contract_id=cid,
                                                      subcontractor_id=self.contract_subs[cid], date=month_end(m)
                                                      if month_end(m) <= self.today else self.today,
                                                      amount=Decimal(rng.randrange(10_000, 60_000, 1_000)),
                                                      description="Работы субподрядчика"))
                    m = add_months(m, 1)
        SubcontractorCost.objects.bulk_create(subcosts, batch_size=2000)
        self.w.models.append(SubcontractorCost)

    # --- tasks -------------------------------------------------------------------------------

    def tasks(self) -> None:
        rng = self.rng
        n = scaled("tasks", self.f)
        if not self.projects:
            return
        user_of = {e.id: e.user_id for e in self.emps.values()}
        rows = []
        for k in range(n):
            p = self.projects[k % len(self.projects)]
            span = max(1, (p.end - p.start).days)
            created = p.start + timedelta(days=rng.randint(0, span))
            deadline = created + timedelta(days=rng.randint(2, 21))
            age = (self.today - created).days
            if age > 40 or p.end < self.today:
                status = TaskStatus.DONE if rng.random() < 0.93 else TaskStatus.CANCELLED
            else:
                status = rng.choice([TaskStatus.NEW, TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS, TaskStatus.REVIEW,
                                     TaskStatus.CHANGES_REQUESTED, TaskStatus.DONE])
            closed = at(min(deadline, self.today), 17) if status in (TaskStatus.DONE, TaskStatus.CANCELLED) else None
            tid = self.ids(Task)
            p.task_ids.append(tid)
            rows.append((tid, p.id, rng.choice(TASK_TITLES), "Бриф: см. задачу в трекере.", p.specialist_id, p.am_id,
                         deadline, Decimal(rng.choice([2, 4, 6, 8, 12])), rng.choice([1, 2, 2, 2, 3, 4]), status,
                         user_of[p.am_id], closed, at(created, 10), closed or at(created, 10)))
        self.w.write(Task, ["id", "project", "title", "brief", "assignee", "reviewer", "deadline", "estimate_hours",
                            "priority", "status", "created_by", "closed_at", "created_at", "updated_at"], rows)

    # --- time entries ------------------------------------------------------------------------

    def time_entries(self) -> None:
        """Every logger's working days: a few entries on their active projects, whole quarter
        hours, at most 12 h a day (the model caps a day at 24 h)."""
        rng = self.rng
        target = scaled("time_entries", self.f)
        by_emp: dict[int, list[Proj]] = defaultdict(list)
        for p in self.projects:
            by_emp[p.specialist_id].append(p)
            by_emp[p.am_id].append(p)
        loggers = sorted(by_emp)
        if not loggers:
            return
        workdays = []
        d = self.history_start
        while d < self.today:
            if d.weekday() < 5:
                workdays.append(d)
            d += timedelta(days=1)
        index = {d: i for i, d in enumerate(workdays)}
        active_pairs = 0
        for emp_id in loggers:
            days: set[int] = set()
            for p in by_emp[emp_id]:
                lo, hi = max(p.start, self.history_start), min(p.end, self.today - timedelta(days=1))
                d = lo
                while d <= hi:
                    if d in index:
                        days.add(index[d])
                    d += timedelta(days=1)
            active_pairs += len(days)
        mean = target / max(1, active_pairs)
        # Entry sizes such that a logging day is about 8 hours whatever the density.
        avg_q = max(1.0, 32 / max(mean, 0.01))
        quarters = list(range(1, max(2, round(2 * avg_q - 1)) + 1))
        emitted = 0

        def rows() -> Iterable[tuple[Any, ...]]:
            nonlocal emitted
            tid = self.ids(TimeEntry)
            for day in workdays:
                day_ts = at(day, 19)
                for emp_id in loggers:
                    k = int(mean) + (1 if rng.random() < mean - int(mean) else 0)
                    if not k:
                        continue
                    active = [p for p in by_emp[emp_id] if p.start <= day <= p.end]
                    if not active:
                        continue
                    emp = self.emps[emp_id]
                    rate = emp.rate_on(day)
                    left = 64  # quarters: 16 h a day at most (the model allows 24)
                    for _ in range(k):
                        q = min(rng.choice(quarters), left)
                        if q <= 0:
                            break
                        left -= q
                        p = active[rng.randrange(len(active))]
                        hours = Decimal(q) / 4
                        task = p.task_ids[rng.randrange(len(p.task_ids))] if p.task_ids and rng.random() < 0.5 else None
                        yield (tid, emp_id, p.id, task, day, hours, "", rate, to_money(hours * rate), day_ts, day_ts)
                        tid += 1
                        emitted += 1
            self.ids.next[TimeEntry] = tid

        self.w.write(TimeEntry, ["id", "employee", "project", "task", "date", "hours", "note", "cost_rate", "cost",
                                 "created_at", "updated_at"], rows())

    def time_rollup(self) -> None:
        """The month rollup of the time entries just written (issue 16): the services keep it
        on every write; rows COPYed here are summed into it once."""
        time_rollup_rebuild()

    # --- invoices, acts ----------------------------------------------------------------------

    def invoices(self) -> None:
        """Monthly retainer invoices of signed contracts (the first day of each month), sampled
        down to the target; lines per retainer line; totals from the lines; an act for each."""
        rng, a = self.rng, self.agency.pk
        target = scaled("invoices", self.f)
        vat_rates = [(date(2026, 1, 1), Decimal("22.00")), (date(2019, 1, 1), Decimal("20.00"))]
        months: list[tuple[date, int, Cl, str, list[RetainerLine]]] = []
        for cid, c, vat, _x, start, end, lines in self.retainer_contracts:
            m = add_months(month_start(start), 1) if start.day > 1 else month_start(start)
            while m <= min(end, self.today):
                months.append((m, cid, c, vat, lines))
                m = add_months(m, 1)
        if len(months) > target:
            keep = sorted(rng.sample(range(len(months)), target))
            months = [months[i] for i in keep]
        # Fewer retainer months than the target: one-off invoices for extra work fill the rest.
        extra: list[InvoicePlan] = []
        if self.retainer_contracts:
            for k in range(max(0, target - len(months))):
                cid, c, vat, _x, start, end, lines = self.retainer_contracts[k % len(self.retainer_contracts)]
                span = max(0, (min(end, self.today) - start).days)
                day = start + timedelta(days=rng.randint(0, span))
                lid, sid, price, name = lines[0]
                extra.append((day, cid, c, vat, [(lid, sid, to_money(price * Decimal("0.3")), f"Дополнительные работы: {name}")],
                              Invoice.Kind.REGULAR))
        candidates: list[InvoicePlan] = [(m, cid, c, vat, lines, Invoice.Kind.RETAINER)
                                         for m, cid, c, vat, lines in months] + extra
        candidates.sort(key=lambda x: (x[0], x[1], x[5]))
        line_rows, act_rows, act_line_rows = [], [], []
        self.invoices_state: list[dict[str, Any]] = []
        terms = {}
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT id, payment_terms_days FROM "{Contract._meta.db_table}"')
            terms = dict(cursor.fetchall())
        seq = act_seq = 0
        for m, cid, c, vat, lines, kind in candidates:
            retainer = kind == Invoice.Kind.RETAINER
            rate = None if vat == VatMode.NO_VAT else next(r for d, r in vat_rates if d <= m)
            amounts = [line_amount(Decimal("1"), price) for _l, _s, price, _n in lines]
            totals = document_totals(amounts, rate)
            age_days = (self.today - m).days
            cancelled = rng.random() < 0.01
            draft = not cancelled and age_days < 20 and rng.random() < 0.1
            iid = self.ids(Invoice)
            number = ""
            if not draft:
                seq += 1
                number = str(seq)
            due = m + timedelta(days=terms[cid])
            status = InvoiceStatus.CANCELLED if cancelled else InvoiceStatus.DRAFT if draft else InvoiceStatus.ISSUED
            end = month_end(m) if retainer else m
            inv = {"id": iid, "client": c, "contract": cid, "date": m, "due": due, "total": totals.total,
                   "subtotal": totals.subtotal, "vat": totals.vat, "rate": rate, "status": status, "number": number,
                   "paid": ZERO, "end": end}
            self.invoices_state.append(inv)
            label = f"{m.month:02d}.{m.year}" if retainer else f"{m:%d.%m.%Y}"
            line_ids = []
            for pos, ((lid, sid, price, name), amount) in enumerate(zip(lines, amounts, strict=True), start=1):
                ilid = self.ids(InvoiceLine)
                line_ids.append((ilid, name, price, amount))
                line_rows.append((ilid, iid, pos, sid, lid, f"{name} за {label}", m if retainer else None,
                                  end if retainer else None, Decimal("1"), "усл.", price, amount))
            if status == InvoiceStatus.ISSUED and (end < self.today or not retainer):
                act_seq += 1
                act_id = self.ids(Act)
                signed = end < self.today - timedelta(days=30)
                act_rows.append((act_id, a, c.id, cid, iid, str(act_seq), end, m, end,
                                 ActStatus.SIGNED if signed else ActStatus.SENT, rate, totals.vat, totals.total,
                                 "Соколова Марина", "Генеральный директор", "", "", at(end, 16),
                                 end + timedelta(days=10) if signed else None, at(end, 15), at(end, 15)))
                for ilid, name, price, amount in line_ids:
                    act_line_rows.append((self.ids(ActLine), act_id, ilid, f"{name} за {label}", Decimal("1"), "усл.",
                                          price, amount))
            inv["row"] = [iid, a, c.id, cid, kind, number, m, due, m if retainer else None, end if retainer else None,
                          status, rate, totals.subtotal,
                          totals.vat, totals.total, ZERO, None if draft else at(m, 11),
                          at(m + timedelta(days=3), 12) if cancelled else None,
                          "Выставлен по ошибке" if cancelled else "", "", None, at(m, 10), at(m, 10)]
        self.seq = (seq, act_seq)
        self._inv_lines, self._acts, self._act_lines = line_rows, act_rows, act_line_rows

    def payments(self) -> None:
        """Most invoices are paid in full by one payment some days around the due date; some
        partly, some two invoices of a client with one payment; some advances stay as credit;
        a few payments wait in the queue without a client. Invoice paid amounts and statuses and
        payment allocated amounts follow from the allocations."""
        rng, a = self.rng, self.agency.pk
        target = scaled("payments", self.f)
        pay_rows, alloc_rows = [], []
        billed = [inv for inv in self.invoices_state if inv["status"] == InvoiceStatus.ISSUED]
        by_client: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for inv in billed:
            by_client[inv["client"].id].append(inv)
        finance_user = self.finance.user_id
        p_count = 0
        ext = 0

        def pay(client: Cl | None, day: date, amount: Decimal, parts: list[tuple[dict[str, Any], Decimal]],
                purpose: str) -> None:
            nonlocal p_count, ext
            pid = self.ids(Payment)
            p_count += 1
            allocated = sum((x for _i, x in parts), ZERO)
            pay_rows.append((pid, a, client.id if client else None, day, amount, allocated, str(10000 + pid),
                             client.name if client else 'ИП Неизвестный', client.inn if client else "",
                             "40702810100000000099", purpose, Payment.Source.MANUAL, None, "", "", finance_user,
                             at(day, 13), at(day, 13)))
            for inv, part in parts:
                alloc_rows.append((self.ids(PaymentAllocation), pid, inv["id"], part, at(day, 13), finance_user))
                inv["paid"] += part

        for inv in billed:
            if p_count >= target:
                break
            age = (self.today - inv["date"]).days
            r = rng.random()
            if age < 10 and r < 0.7:
                continue  # fresh: not paid yet
            if age < 45 and r < 0.3:
                continue  # not yet paid, some of it overdue
            if r < 0.02:
                continue  # bad debt: never paid
            day = min(inv["due"] + timedelta(days=rng.randint(-4, 25)), self.today)
            day = max(day, inv["date"])
            owed = inv["total"] - inv["paid"]
            if owed <= 0:
                continue
            if rng.random() < 0.06:
                part = to_money(owed * Decimal("0.5"))
                pay(inv["client"], day, part, [(inv, part)], f"Частичная оплата по счету № {inv['number']}")
                continue
            siblings = [x for x in by_client[inv["client"].id] if x is not inv and x["total"] > x["paid"]
                        and x["date"] <= day and x["number"] and x["date"] >= inv["date"]][:1]
            if siblings and rng.random() < 0.08:
                other = siblings[0]
                parts = [(inv, owed), (other, other["total"] - other["paid"])]
                total = sum((x for _i, x in parts), ZERO)
                pay(inv["client"], day, total, parts, f"Оплата по счетам № {inv['number']}, {other['number']}")
                continue
            extra = Decimal(rng.randrange(1000, 20000, 1000)) if rng.random() < 0.02 else ZERO
            pay(inv["client"], day, owed + extra, [(inv, owed)], f"Оплата по счету № {inv['number']} НДС нет")
        # Advances (credit) and unknown payers for the manual queue.
        served = [c for c in self.cls if c.status != LifecycleStatus.CHURNED]
        for k in range(max(1, target // 200)):
            c = served[k % len(served)]
            pay(c, self.today - timedelta(days=rng.randint(0, 60)), Decimal(rng.randrange(10000, 90000, 5000)), [],
                "Аванс за услуги")
        for _k in range(max(1, target // 1000)):
            pay(None, self.today - timedelta(days=rng.randint(0, 30)), Decimal(rng.randrange(5000, 50000, 500)), [],
                "Оплата за услуги")
        self.w.write(Payment, ["id", "agency", "client", "date", "amount", "allocated_amount", "number", "payer_name",
                               "payer_inn", "payer_account", "purpose", "source", "statement_import", "external_key",
                               "warnings", "created_by", "created_at", "updated_at"], pay_rows)
        # Invoices now know what was paid: status as invoice_refresh_paid sets it.
        inv_rows = []
        for inv in self.invoices_state:
            row = inv["row"]
            if inv["status"] == InvoiceStatus.ISSUED:
                if inv["paid"] >= inv["total"]:
                    inv["status"] = InvoiceStatus.PAID
                elif inv["paid"] > 0:
                    inv["status"] = InvoiceStatus.PARTLY_PAID
            row[10] = inv["status"]
            row[15] = inv["paid"]
            inv_rows.append(row)
        self.w.write(Invoice, ["id", "agency", "client", "contract", "kind", "number", "date", "due_date",
                               "period_start", "period_end", "status", "vat_rate", "subtotal", "vat_amount", "total",
                               "paid_amount", "issued_at", "cancelled_at", "cancel_reason", "notes", "created_by",
                               "created_at", "updated_at"], inv_rows)
        self.w.write(InvoiceLine, ["id", "invoice", "position", "service", "contract_line", "name", "period_start",
                                   "period_end", "quantity", "unit", "price", "amount"], self._inv_lines)
        self.w.write(PaymentAllocation, ["id", "payment", "invoice", "amount", "created_at", "created_by"], alloc_rows)
        self.w.write(Act, ["id", "agency", "client", "contract", "invoice", "number", "date", "period_start",
                           "period_end", "status", "vat_rate", "vat_amount", "total", "supplier_signer_name",
                           "supplier_signer_position", "client_signer_name", "client_signer_position", "sent_at",
                           "signed_on", "created_at", "updated_at"], self._acts)
        self.w.write(ActLine, ["id", "act", "invoice_line", "name", "quantity", "unit", "price", "amount"],
                     self._act_lines)
        seq, act_seq = self.seq
        NumberSequence.objects.bulk_create([NumberSequence(agency_id=a, kind="invoice", period="all", last=seq),
                                            NumberSequence(agency_id=a, kind="act", period="all", last=act_seq)])
        self._inv_lines = self._acts = self._act_lines = []  # type: ignore[assignment]

    # --- plans -------------------------------------------------------------------------------

    def plans(self) -> None:
        """Every AM's and group head's monthly plan: what their clients' contracts should bring,
        ±15 %."""
        rng, a = self.rng, self.agency.pk
        expected: dict[tuple[int, date], Decimal] = defaultdict(lambda: ZERO)
        for inv in self.invoices_state:
            if inv["status"] in (InvoiceStatus.CANCELLED, InvoiceStatus.DRAFT):
                continue
            expected[(inv["client"].am_on(inv["due"]), month_start(inv["due"]))] += inv["total"]
        rows = []
        planners = [e for e in self.emps.values() if e.role in (Role.ACCOUNT_MANAGER, Role.GROUP_HEAD)]
        m = self.history_start
        while m <= month_start(self.today):
            for e in planners:
                base = expected.get((e.id, m), ZERO)
                amount = to_money(base * Decimal(rng.randint(85, 115)) / 100) if base else Decimal("100000.00")
                rows.append((self.ids(PaymentPlan), a, e.id, m, amount, None, self.head.user_id, self.now))
            m = add_months(m, 1)
        self.w.write(PaymentPlan, ["id", "agency", "employee", "month", "amount", "fixed_salary", "set_by",
                                   "updated_at"], rows)

    # --- communications -----------------------------------------------------------------------

    def interactions(self) -> None:
        rng = self.rng
        target = scaled("interactions", self.f)
        weights = [max(1, (c.end - c.start).days) for c in self.cls]
        total_w = sum(weights)
        kinds = [InteractionKind.CALL, InteractionKind.CALL, InteractionKind.MESSAGE, InteractionKind.EMAIL,
                 InteractionKind.MEETING, InteractionKind.REPORT]
        channel_of = {InteractionKind.CALL: CommChannel.PHONE, InteractionKind.MESSAGE: CommChannel.MESSENGER,
                      InteractionKind.EMAIL: CommChannel.EMAIL, InteractionKind.MEETING: CommChannel.VIDEO,
                      InteractionKind.REPORT: CommChannel.EMAIL}
        link_c, link_e = [], []
        through_c = Interaction.contacts.through
        through_e = Interaction.employees.through

        def rows() -> Iterable[tuple[Any, ...]]:
            for c, wgt in zip(self.cls, weights, strict=True):
                n = round(target * wgt / total_w)
                span = max(1, (c.end - c.start).days)
                user = self.emps[c.am_id].user_id
                for _ in range(n):
                    day = c.start + timedelta(days=rng.randrange(span))
                    moment = at(day, rng.randint(9, 19), rng.choice([0, 15, 30, 45]))
                    kind = rng.choice(kinds)
                    iid = self.ids(Interaction)
                    recent = (self.today - day).days < 14
                    step = "Прислать отчёт" if recent and rng.random() < 0.3 else ""
                    due = day + timedelta(days=rng.randint(1, 7)) if step else None
                    link_c.append((iid, c.contact_ids[rng.randrange(len(c.contact_ids))])) if c.contact_ids else None
                    link_e.append((iid, c.am_on(day)))
                    yield (iid, c.id, kind, Direction.OUTGOING if rng.random() < 0.7 else Direction.INCOMING,
                           channel_of[kind], moment, rng.choice(SUMMARIES), "Договорились", step, due, None, "", user,
                           moment, moment)

        self.w.write(Interaction, ["id", "client", "kind", "direction", "channel", "occurred_at", "summary", "outcome",
                                   "next_step", "next_step_due", "next_step_done_at", "message_id", "created_by",
                                   "created_at", "updated_at"], rows())
        self.w.write(through_c, ["id", "interaction", "contact"],
                     ((i, a, b) for i, (a, b) in enumerate(link_c, start=1)))
        self.w.write(through_e, ["id", "interaction", "employee"],
                     ((i, a, b) for i, (a, b) in enumerate(link_e, start=1)))
        self.contacts_last_interaction()

    def contacts_last_interaction(self) -> None:
        """Contact.last_interaction_at, as comms.services keeps it: max(occurred_at) over the contact's
        links — one grouped pass joined to the contacts (UPDATE … FROM, PostgreSQL and SQLite ≥ 3.33).
        The correlated subquery per contact it replaces took ~22 of 32 minutes at factor 1 on
        PostgreSQL: the tables were written in the same transaction, not yet analyzed."""
        started = time.perf_counter()
        through = Interaction.contacts.through._meta
        link, contact_col = through.db_table, through.get_field("contact").column
        interaction_col = through.get_field("interaction").column
        qn = connection.ops.quote_name
        sql = (f"UPDATE {qn(Contact._meta.db_table)} SET last_interaction_at = m.last_at "
               f"FROM (SELECT l.{qn(contact_col)} AS contact_id, MAX(i.occurred_at) AS last_at "
               f"FROM {qn(link)} l JOIN {qn(Interaction._meta.db_table)} i ON i.id = l.{qn(interaction_col)} "
               f"GROUP BY l.{qn(contact_col)}) m "
               f"WHERE {qn(Contact._meta.db_table)}.id = m.contact_id AND {qn(Contact._meta.db_table)}.client_id IN "
               f"(SELECT id FROM {qn(Client._meta.db_table)} WHERE agency_id = %s)")
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.agency.pk])
        self.log(f"  contacts' last interaction: {time.perf_counter() - started:.1f}s")

    def requests(self) -> None:
        """Client requests with the SLA clock the service computes (default terms, the agency's
        working calendar); all but the last days' ones answered and resolved."""
        rng = self.rng
        target = scaled("requests", self.f)
        calendar = WorkCalendar()
        terms = {(p, t): sla_terms(agency=self.agency, priority=p, tier=t, policies=[])
                 for p in Priority for t in ClientTier}
        weights = [max(1, (c.end - c.start).days) for c in self.cls]
        total_w = sum(weights)
        rows = []
        for c, wgt in zip(self.cls, weights, strict=True):
            n = round(target * wgt / total_w)
            span = max(1, (c.end - c.start).days)
            for _ in range(n):
                day = c.start + timedelta(days=rng.randrange(span))
                received = at(day, rng.randint(8, 21), rng.choice([0, 10, 20, 30, 40, 50]))
                priority = rng.choice([Priority.NORMAL] * 7 + [Priority.URGENT] * 2 + [Priority.CRITICAL])
                tm = terms[(priority, c.tier)]
                cal = None if tm.round_the_clock else calendar
                first_due = add_minutes(received, tm.first_response_minutes, cal)
                resolve_due = add_minutes(received, tm.resolve_minutes, cal)
                head_at = add_minutes(first_due, tm.head_escalation_minutes, cal)
                recent = (self.today - day).days < 3
                first = None if recent and rng.random() < 0.5 else received + timedelta(
                    minutes=rng.randint(5, tm.first_response_minutes * 2))
                resolved = None if (recent or first is None) else first + timedelta(hours=rng.randint(1, 40))
                if first and first > self.now:
                    first, resolved = None, None
                if resolved and resolved > self.now:
                    resolved = None
                rows.append((self.ids(ClientRequest), c.id, c.contact_ids[0] if c.contact_ids else None,
                             CommChannel.EMAIL, "Вопрос по работам", "", priority, received, first, resolved, c.am_on(day),
                             tm.round_the_clock, first_due, resolve_due, head_at, self.emps[c.am_id].user_id,
                             received, received))
        self.w.write(ClientRequest, ["id", "client", "contact", "channel", "subject", "text", "priority", "received_at",
                                     "first_response_at", "resolved_at", "owner", "round_the_clock",
                                     "first_response_due_at", "resolve_due_at", "head_escalation_at", "created_by",
                                     "created_at", "updated_at"], rows)


# --- the statement file ------------------------------------------------------------------------


def statement_file(*, lines: int = 10_000, seed: int = 1, today: date | None = None) -> bytes:
    """A 1CClientBankExchange statement of `lines` documents matching the generated data: most
    pay open invoices citing their numbers (from the client's INN and account), some pay by INN
    only, a few are bank fees, outgoing payments or unknown payers. UTF-8."""
    rng = random.Random(seed)
    today = today or date.today()
    settings_row = BillingSettings.objects.first()
    own = settings_row.bank_account if settings_row else AGENCY_ACCOUNT
    open_invoices = list(
        Invoice.objects.filter(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID])
        .exclude(number="").order_by("due_date", "id")
        .values_list("number", "total", "paid_amount", "client__inn", "client__legal_name")
    )
    clients = list(Client.objects.exclude(inn="").order_by("id").values_list("inn", "legal_name"))
    out = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=Бухгалтерия",
           f"ДатаСоздания={today:%d.%m.%Y}", f"ДатаНачала={today - timedelta(days=30):%d.%m.%Y}",
           f"ДатаКонца={today:%d.%m.%Y}", f"РасчСчет={own}", "СекцияРасчСчет",
           f"ДатаНачала={today - timedelta(days=30):%d.%m.%Y}", f"ДатаКонца={today:%d.%m.%Y}", f"РасчСчет={own}",
           "НачальныйОстаток=0.00", "КонецРасчСчет"]
    for i in range(lines):
        day = today - timedelta(days=rng.randint(0, 29))
        roll = rng.random()
        kind, purpose, payer_inn, payer_name, payer_acc, rec_acc, vid = (
            "Платежное поручение", "", "", "", "40702810500000000077", own, "01")
        if open_invoices and roll < 0.7:
            number, total, paid, inn, name = open_invoices[i % len(open_invoices)]
            amount = (total - paid) if rng.random() < 0.7 else (total - paid) / 2
            amount = max(Decimal("1.00"), amount.quantize(Decimal("0.01")))
            purpose = rng.choice([f"Оплата по счету № {number} от {day:%d.%m.%Y}", f"Оплата сч.{number}",
                                  f"Оплата по счёту N{number}, в т.ч. НДС"])
            payer_inn, payer_name = inn, name
        elif clients and roll < 0.9:
            payer_inn, payer_name = clients[i % len(clients)]
            amount = Decimal(rng.randrange(10_000, 150_000, 500))
            purpose = "Оплата за услуги по договору"
        elif roll < 0.95:
            kind, vid, amount, purpose, payer_acc = ("Банковский ордер", "17", Decimal("150.00"),
                                                     "Комиссия за ведение счета", own)
            rec_acc = "70601810000000000001"
        elif roll < 0.98:
            payer_acc, rec_acc, amount = own, "40702810600000000055", Decimal(rng.randrange(1_000, 50_000, 100))
            purpose, payer_name = "Оплата субподрядчику", 'ООО "Бенчмарк"'
        else:
            payer_inn, payer_name = "7707083893", 'ООО "Неизвестный плательщик"'
            amount = Decimal(rng.randrange(1_000, 50_000, 100))
            purpose = "Оплата по договору"
        out += [f"СекцияДокумент={kind}", f"Номер={i + 1}", f"Дата={day:%d.%m.%Y}", f"Сумма={amount:.2f}",
                f"ПлательщикСчет={payer_acc}", f"ПлательщикИНН={payer_inn}", f"Плательщик1={payer_name}",
                f"ПолучательСчет={rec_acc}", "ПолучательИНН=7707083893", 'Получатель1=ООО "Бенчмарк"',
                f"ВидОплаты={vid}", f"НазначениеПлатежа={purpose}"]
        out.append(f"ДатаПоступило={day:%d.%m.%Y}" if rec_acc == own else f"ДатаСписано={day:%d.%m.%Y}")
        out.append("КонецДокумента")
    out.append("КонецФайла")
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=float, default=float(os.environ.get("BENCH_FACTOR", "1")))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    args = parser.parse_args(argv)
    try:
        result = generate(factor=args.factor, seed=args.seed, today=args.today, reset=args.reset)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"generated factor={result.factor} seed={result.seed} in {result.seconds}s")
    for table, n in sorted(result.counts.items()):
        print(f"  {table:<40} {n:>10,}")
    print(f"logins (password {PASSWORD!r}): {result.logins}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
