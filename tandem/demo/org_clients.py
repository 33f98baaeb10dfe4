"""Demo organisation and clients: 4 groups, ~25 employees, ~120 clients with contacts and teams.

Runs through the real services (so histories are recorded) except where the service needs an
actor that does not exist yet (the first employees).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from tandem.clients import services as client_services
from tandem.clients.models import (
    ChurnReason,
    Client,
    ClientKind,
    ClientTier,
    Contact,
    LifecycleStatus,
    LifecycleTransition,
    ServiceKind,
)
from tandem.core.validators import is_valid_settlement_account
from tandem.org.models import Employee, Group, User
from tandem.org.roles import Grade, Role, Specialty
from tandem.org.services import employee_create_in_agency

from .context import DEMO_PASSWORD, DemoContext

GROUPS = [
    ("SEO 1", Group.Kind.SEO),
    ("SEO 2", Group.Kind.SEO),
    ("Performance", Group.Kind.PERFORMANCE),
    ("Нестандартные проекты", Group.Kind.NON_STANDARD),
]

FIRST_F = ["Анна", "Мария", "Екатерина", "Ольга", "Дарья", "Алина", "Юлия", "Ксения", "Наталья", "Елена"]
FIRST_M = ["Алексей", "Дмитрий", "Иван", "Сергей", "Михаил", "Андрей", "Никита", "Павел", "Артём", "Кирилл"]
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
        "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов"]

BRAND_A = ["Строй", "Эко", "Мега", "Гранд", "Дом", "Био", "Техно", "Вело", "Арт", "Мед", "Авто", "Агро", "Нео",
           "Смарт", "Фреш", "Вкус", "Сибир", "Волга", "Урал", "Балт"]
BRAND_B = ["Маркет", "Сервис", "Лайн", "Групп", "Пром", "Комфорт", "Мастер", "Стиль", "Трейд", "Лаб", "Окна",
           "Мебель", "Клиника", "Тур", "Пекарня", "Декор"]
CITIES = ["Москва", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск", "Нижний Новгород", "Самара"]
PETS = ["кот Барсик", "собака Джек", "попугай Кеша", "кошка Муся", "лабрадор Рич"]
CHARACTER = [
    "Любит цифры и короткие отчёты, не терпит воды.",
    "Эмоциональный, важно чувствовать поддержку; лучше аккаунт-единомышленник.",
    "Педант, проверяет каждую строку акта. Нужен спокойный аккаунт-антипод.",
    "Ценит инициативу, ждёт идей роста каждый месяц.",
    "Общается только в мессенджере, звонки не любит.",
]
# Keyed by the specialty value as stored (a str), as in `employee.specialty`.
SPECIALTY_SERVICE: dict[str, ServiceKind] = {
    Specialty.SEO: ServiceKind.SEO, Specialty.PPC: ServiceKind.CONTEXT, Specialty.TARGETING: ServiceKind.TARGETED,
    Specialty.SMM: ServiceKind.SMM, Specialty.DEVELOPER: ServiceKind.DEVELOPMENT,
    Specialty.ANALYST: ServiceKind.ANALYTICS, Specialty.EDITOR: ServiceKind.SEO, Specialty.DESIGNER: ServiceKind.SMM,
}


def _inn10(rng) -> str:  # type: ignore[no-untyped-def]
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def _ogrn(rng) -> str:  # type: ignore[no-untyped-def]
    body = "1" + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return body + str(int(body) % 11 % 10)


def _account(n: int, bik: str) -> str:
    """The n-th client's own settlement account at the bank `bik`, with a valid control key
    (not the agency's account, so statements see its payments as incoming). Uses no RNG."""
    for key in range(10):
        account = f"40702810{key}{n + 1001:011d}"
        if is_valid_settlement_account(account, bik):
            return account
    raise AssertionError("a control key always exists")


def _person(rng, female: bool | None = None) -> str:  # type: ignore[no-untyped-def]
    female = rng.random() < 0.5 if female is None else female
    last = rng.choice(LAST)
    return f"{last + 'а' if female else last} {rng.choice(FIRST_F if female else FIRST_M)}"


def seed(ctx: DemoContext) -> None:
    if Employee.objects.filter(agency=ctx.agency).exists():
        ctx.log("org_clients: already loaded, skipped")
        return
    rng, agency = ctx.rng, ctx.agency
    groups = {name: Group.objects.create(agency=agency, name=name, kind=kind) for name, kind in GROUPS}
    group_list = list(groups.values())

    def hire(username: str, role: Role, group: Group | None = None, **data) -> Employee:  # type: ignore[no-untyped-def]
        return employee_create_in_agency(
            agency=agency, username=username, email=f"{username}@tandem.example", password=None,
            data={"full_name": data.pop("full_name", _person(rng)), "role": role, "group": group, **data},
        )

    head = hire("head", Role.HEAD_OF_ACCOUNTS, full_name="Соколова Марина", hourly_cost_rate=Decimal("2500"))
    hire("finance", Role.FINANCE, full_name="Лебедева Ирина", hourly_cost_rate=Decimal("1500"))
    admin = hire("admin", Role.ADMIN, full_name="Павлов Константин", hourly_cost_rate=Decimal("1800"))
    admin.user.is_staff = admin.user.is_superuser = True
    admin.user.save(update_fields=["is_staff", "is_superuser"])

    group_heads = []
    for i, group in enumerate(group_list, start=1):
        gh = hire(f"gh{i}", Role.GROUP_HEAD, group, grade=Grade.SENIOR, hourly_cost_rate=Decimal("2000"))
        group.head = gh
        group.save(update_fields=["head"])
        group_heads.append(gh)

    ams: list[Employee] = []
    for i in range(1, 9):
        group = group_list[(i - 1) % len(group_list)]
        grade = rng.choice([Grade.JUNIOR, Grade.MIDDLE, Grade.MIDDLE, Grade.SENIOR])
        rate = {Grade.JUNIOR: "700", Grade.MIDDLE: "1000", Grade.SENIOR: "1400"}[grade]
        ams.append(hire(f"am{i}", Role.ACCOUNT_MANAGER, group, grade=grade, hourly_cost_rate=Decimal(rate),
                        soft_client_limit=12 if i == 3 else None))

    specialties = [Specialty.SEO, Specialty.SEO, Specialty.PPC, Specialty.TARGETING, Specialty.SMM,
                   Specialty.DEVELOPER, Specialty.ANALYST, Specialty.EDITOR, Specialty.DESIGNER, Specialty.PPC]
    specialists: list[Employee] = []
    for i, specialty in enumerate(specialties, start=1):
        group = groups["Performance"] if specialty in (Specialty.PPC, Specialty.TARGETING) else group_list[i % 2]
        specialists.append(hire(f"spec{i}", Role.SPECIALIST, group, specialty=specialty,
                                grade=rng.choice(list(Grade)), hourly_cost_rate=Decimal(rng.choice(["600", "800", "1100"]))))

    now = timezone.now()
    statuses = ([LifecycleStatus.ACTIVE] * 70 + [LifecycleStatus.ONBOARDING] * 12 + [LifecycleStatus.AT_RISK] * 14
                + [LifecycleStatus.LEAD] * 12 + [LifecycleStatus.CHURNED] * 12)
    rng.shuffle(statuses)
    used_names: set[str] = set()
    for n, status in enumerate(statuses):
        while True:
            brand = rng.choice(BRAND_A) + rng.choice(BRAND_B).lower()
            if brand not in used_names:
                used_names.add(brand)
                break
        am = ams[n % len(ams)]
        inn = _inn10(rng)
        kind = rng.choice([ClientKind.B2B, ClientKind.B2B, ClientKind.B2C, ClientKind.MARKETPLACE_SELLER])
        # Spread the client's history over the last two years; onboarding clients are recent.
        started = now - timedelta(days=rng.randint(20, 720))
        if status == LifecycleStatus.ONBOARDING:
            started = now - timedelta(days=rng.randint(3, 50))
        result = client_services.client_create(
            actor=head.user,
            data={
                "legal_name": f'ООО "{brand}"', "brand_name": brand, "inn": inn, "kpp": inn[:4] + "01001",
                "ogrn": _ogrn(rng), "legal_address": f"г. {rng.choice(CITIES)}, ул. Ленина, д. {rng.randint(1, 120)}",
                "bank_name": "ПАО Сбербанк", "bik": "044525225", "bank_account": _account(n, "044525225"),
                "correspondent_account": "30101810400000000225", "kind": kind,
                "tier": rng.choice([ClientTier.KEY, ClientTier.CURRENT, ClientTier.CURRENT, ClientTier.NEW]),
                "character_notes": rng.choice(CHARACTER),
                "personal_notes": f"У ЛПР {rng.choice(PETS)}; день рождения компании {rng.randint(1, 28)}.{rng.randint(1, 12):02d}.",
                "website": f"https://{n}-{rng.choice(['shop', 'site', 'brand'])}.example.ru",
                "status": status if status in (LifecycleStatus.LEAD, LifecycleStatus.ONBOARDING) else LifecycleStatus.ACTIVE,
                # As entered on import: the first AM is credited from this day (their first contract may move it back).
                "served_since": None if status == LifecycleStatus.LEAD else timezone.localdate(started),
            },
            account_manager=am, reason="Демо-данные", force=True,
        )
        client = result.client
        Client.objects.filter(pk=client.pk).update(created_at=started, status_changed_at=started)
        LifecycleTransition.objects.filter(client=client).update(changed_at=started)
        if status in (LifecycleStatus.AT_RISK, LifecycleStatus.CHURNED):
            client.refresh_from_db()
            if status == LifecycleStatus.AT_RISK:
                client_services.client_change_status(
                    actor=am.user, client=client, to_status=LifecycleStatus.AT_RISK,
                    reason=rng.choice(["Задерживает оплату", "Недоволен позициями", "Сменился маркетолог"]),
                )
                # At risk for a few days to two months (the dashboard lists the longest first).
                _backdate_status(client, max(started, now - timedelta(days=2 + (n * 7) % 60)))
            else:
                reason = rng.choice(list(ChurnReason))
                client_services.client_change_status(
                    actor=head.user, client=client, to_status=LifecycleStatus.CHURNED, churn_reason=reason,
                    churn_comment={
                        ChurnReason.RESULTS: "Не увидел роста заявок за полгода.",
                        ChurnReason.BUDGET: "Урезали маркетинговый бюджет вдвое.",
                        ChurnReason.BANKRUPTCY: "Компания в процедуре банкротства.",
                        ChurnReason.LEFT_MARKET: "Головной офис ушёл с российского рынка.",
                        ChurnReason.OTHER_AGENCY: "Перешли к агентству подешевле.",
                        ChurnReason.IN_HOUSE: "Наняли своего маркетолога.",
                        ChurnReason.OTHER: "Сменился собственник.",
                    }[reason],
                )
                # Churns spread over the last year (the churn and retention reports show every
                # month), each at least a month and a half after the client started; the client's
                # contract ends that day (tandem.demo.contracts_work) so billing stops with it.
                churned_at = now - timedelta(days=5 + (n * 29) % 340)
                churned_at = max(churned_at, min(started + timedelta(days=45), now - timedelta(days=3)))
                _backdate_status(client, churned_at)
        _add_contacts(ctx, client)
        for specialist in rng.sample(specialists, k=rng.choice([1, 1, 2, 2, 3])):
            client_services.team_member_add(
                actor=head.user, client=client, employee=specialist, service=SPECIALTY_SERVICE[specialist.specialty]
            )
    # One password hash for everyone: hashing it 25 times (PBKDF2) took a few seconds of the seed.
    User.objects.filter(employee__agency=agency).update(password=make_password(DEMO_PASSWORD))
    # One AM replacement with its reason, so the history tab is not empty in the demo.
    moved = Client.objects.filter(agency=agency, account_manager=ams[0], status=LifecycleStatus.ACTIVE).first()
    if moved:
        client_services.client_assign_account_manager(
            actor=head.user, client=moved, manager=ams[1], reason="Контакт не сложился: клиенту нужен более спокойный аккаунт",
            force=True,
        )
    ctx.log(f"org_clients: {Employee.objects.filter(agency=agency).count()} employees, "
            f"{Client.objects.filter(agency=agency).count()} clients")


def _backdate_status(client: Client, moment: datetime) -> None:
    """Date the client's latest status change (and its history row) at `moment`."""
    Client.objects.filter(pk=client.pk).update(status_changed_at=moment)
    latest = LifecycleTransition.objects.filter(client=client).order_by("-changed_at", "-id").first()
    if latest is not None:
        LifecycleTransition.objects.filter(pk=latest.pk).update(changed_at=moment)


def _add_contacts(ctx: DemoContext, client: Client) -> None:
    rng = ctx.rng
    roles = [Contact.Role.DECISION_MAKER, Contact.Role.MARKETER]
    roles += rng.sample([Contact.Role.ACCOUNTANT, Contact.Role.LAWYER, Contact.Role.OTHER], k=rng.randint(0, 2))
    contacts = []
    for i, role in enumerate(roles):
        name = _person(rng)
        channel = rng.choice(list(Contact.Channel))
        quiet = rng.random() < 0.4
        contacts.append(Contact(
            client=client, full_name=name,
            position={Contact.Role.DECISION_MAKER: "Генеральный директор", Contact.Role.MARKETER: "Маркетолог",
                      Contact.Role.ACCOUNTANT: "Главный бухгалтер", Contact.Role.LAWYER: "Юрист",
                      Contact.Role.OTHER: "Менеджер по продукту"}[role],
            role=role, phone=f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
            email=f"contact{i + 1}@client{client.pk}.example.ru", messenger=f"@client{client.pk}_{i + 1}",
            preferred_channel=channel, cadence_days=rng.choice([1, 3, 7, 7, 14, 30]),
            is_urgent_contact=(i == 0), quiet_hours_start=time(21, 0) if quiet else None,
            quiet_hours_end=time(9, 0) if quiet else None,
            birthday=date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28)),
        ))
    Contact.objects.bulk_create(contacts)
