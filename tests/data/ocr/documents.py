"""The documents of the OCR set: summonses, call-up notices, occupation orders and everyday
notices, in Russian and Ukrainian, as blocks for build.py to lay out (pure, seeded)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# A block: ("title"|"header"|"para"|"small", text), ("field", label, value),
# ("stamp", line, line, ...), ("table", "a|b|c", ...), ("sign", label, name), ("cut", text)
Block = tuple[str, ...]


@dataclass(frozen=True)
class Document:
    kind: str
    lang: str
    positive: bool
    blocks: list[Block] = field(default_factory=list)


RU_MEN = [
    ("Иванов", "Сергей", "Александрович"),
    ("Коваленко", "Дмитрий", "Игоревич"),
    ("Бондаренко", "Алексей", "Викторович"),
    ("Шевченко", "Андрей", "Николаевич"),
    ("Ткаченко", "Максим", "Олегович"),
    ("Кравченко", "Артём", "Юрьевич"),
    ("Мельник", "Владимир", "Петрович"),
    ("Лысенко", "Евгений", "Сергеевич"),
    ("Руденко", "Павел", "Анатольевич"),
    ("Савченко", "Роман", "Васильевич"),
]
UK_MEN = [
    ("Коваль", "Олександр", "Миколайович"),
    ("Бойко", "Тарас", "Іванович"),
    ("Мороз", "Віталій", "Петрович"),
    ("Кушнір", "Богдан", "Олегович"),
    ("Павленко", "Юрій", "Васильович"),
    ("Гнатюк", "Ігор", "Степанович"),
    ("Литвиненко", "Дмитро", "Андрійович"),
    ("Собко", "Назар", "Романович"),
]
RU_CITIES = [
    ("Мелитополь", "Запорожской области"),
    ("Бердянск", "Запорожской области"),
    ("Энергодар", "Запорожской области"),
    ("Геническ", "Херсонской области"),
    ("Скадовск", "Херсонской области"),
    ("Джанкой", "Республики Крым"),
    ("Симферополь", "Республики Крым"),
    ("Мариуполь", "Донецкой Народной Республики"),
    ("Северодонецк", "Луганской Народной Республики"),
]
UK_CITIES = [
    ("Мелітополь", "Запорізької області"),
    ("Бердянськ", "Запорізької області"),
    ("Генічеськ", "Херсонської області"),
    ("Джанкой", "Автономної Республіки Крим"),
    ("Нова Каховка", "Херсонської області"),
]
UK_TCC = ["Запорізький", "Херсонський", "Дніпровський", "Криворізький", "Полтавський"]
RU_STREETS = ["ул. Ленина", "ул. Гагарина", "пр. Победы", "ул. Кирова", "ул. Садовая"]
UK_STREETS = ["вул. Шевченка", "вул. Соборна", "просп. Миру", "вул. Героїв", "вул. Садова"]
RU_MONTHS = ["марта", "апреля", "мая", "июня", "сентября", "октября", "ноября"]
UK_MONTHS = ["березня", "квітня", "травня", "червня", "вересня", "жовтня", "листопада"]
RU_PURPOSES = [
    "уточнения данных воинского учёта",
    "прохождения медицинского освидетельствования",
    "прохождения призывной комиссии",
    "отправки к месту прохождения военной службы",
    "оформления документов воинского учёта",
]
UK_PURPOSES = [
    "уточнення військово-облікових даних",
    "проходження військово-лікарської комісії",
    "проходження призовної комісії",
    "оформлення військово-облікових документів",
]


def _date(rng: random.Random, months: list[str], word: str) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(months)} {rng.choice((2024, 2025))} {word}"


def _time(rng: random.Random) -> str:
    return f"{rng.choice((8, 9, 10, 11, 14))}:{rng.choice(('00', '30'))}"


def _initials(person: tuple[str, str, str]) -> str:
    return f"{person[1][0]}.{person[2][0]}. {person[0]}"


def summons_ru(rng: random.Random) -> Document:
    surname, name, patronymic = rng.choice(RU_MEN)
    city, region = rng.choice(RU_CITIES)
    chief = rng.choice(RU_MEN)
    number = rng.randint(100, 9999)
    blocks: list[Block] = [
        ("stamp", "МИНИСТЕРСТВО ОБОРОНЫ", "РОССИЙСКОЙ ФЕДЕРАЦИИ", "ВОЕННЫЙ КОМИССАРИАТ", region),
        ("title", f"ПОВЕСТКА № {number}"),
        ("field", "Гражданину", f"{surname} {name} {patronymic}"),
        (
            "field",
            "проживающему по адресу:",
            f"г. {city}, {rng.choice(RU_STREETS)}, д. {rng.randint(1, 90)}",
        ),
        (
            "para",
            "В соответствии с Федеральным законом «О воинской обязанности и военной службе» "
            f"Вам надлежит явиться {_date(rng, RU_MONTHS, 'г.')} к {_time(rng)} в военный "
            f"комиссариат г. {city} по адресу: {rng.choice(RU_STREETS)}, д. {rng.randint(1, 60)}, "
            f"кабинет № {rng.randint(1, 40)}, для {rng.choice(RU_PURPOSES)}.",
        ),
        ("para", "При себе иметь: паспорт, военный билет (приписное свидетельство), СНИЛС."),
        (
            "para",
            "За неявку по повестке без уважительной причины Вы несёте ответственность в "
            "соответствии с законодательством Российской Федерации.",
        ),
        ("sign", f"Военный комиссар г. {city}", _initials(chief)),
    ]
    if rng.random() < 0.6:
        blocks += [
            ("cut", "линия отреза"),
            ("header", "КОРЕШОК ПОВЕСТКИ"),
            ("field", f"Повестку № {number} получил:", f"{surname} {name[0]}.{patronymic[0]}."),
        ]
    return Document("summons", "ru", True, blocks)


def summons_uk(rng: random.Random) -> Document:
    surname, name, patronymic = rng.choice(UK_MEN)
    number = rng.randint(100, 9999)
    if rng.random() < 0.5:
        tcc = rng.choice(UK_TCC)
        office = f"{tcc} районний ТЦК та СП"
        stamp: Block = (
            "stamp",
            "МІНІСТЕРСТВО ОБОРОНИ УКРАЇНИ",
            f"{tcc.upper()} РАЙОННИЙ",
            "ТЕРИТОРІАЛЬНИЙ ЦЕНТР КОМПЛЕКТУВАННЯ",
            "ТА СОЦІАЛЬНОЇ ПІДТРИМКИ",
        )
        law = "«Про мобілізаційну підготовку та мобілізацію»"
        chief_title = "Начальник ТЦК та СП"
    else:
        city, region = rng.choice(UK_CITIES)
        office = f"військового комісаріату м. {city}"
        stamp = ("stamp", "ВІЙСЬКОВИЙ КОМІСАРІАТ", f"м. {city}", region)
        law = "«Про військовий обов'язок і військову службу»"
        chief_title = f"Військовий комісар м. {city}"
    blocks: list[Block] = [
        stamp,
        ("title", f"ПОВІСТКА № {number}"),
        ("field", "Громадянину", f"{surname} {name} {patronymic}"),
        ("field", "рік народження:", str(rng.randint(1970, 2004))),
        (
            "para",
            f"Відповідно до Закону України {law} Вам необхідно з'явитися "
            f"{_date(rng, UK_MONTHS, 'р.')} о {_time(rng)} до {office} за адресою: "
            f"{rng.choice(UK_STREETS)}, {rng.randint(1, 80)}, для {rng.choice(UK_PURPOSES)}.",
        ),
        ("para", "При собі мати: паспорт, військово-обліковий документ, ідентифікаційний код."),
        (
            "para",
            "У разі неявки за повісткою без поважних причин Вас буде притягнуто до "
            "відповідальності згідно із законодавством.",
        ),
        ("sign", chief_title, _initials(rng.choice(UK_MEN))),
    ]
    return Document("summons", "uk", True, blocks)


def notice_ru(rng: random.Random) -> Document:
    city, region = rng.choice(RU_CITIES)
    first = rng.randint(1990, 1998)
    blocks: list[Block] = [
        ("title", "ОБЪЯВЛЕНИЕ"),
        ("header", "Уважаемые жители!"),
        (
            "para",
            f"Военный комиссариат г. {city} сообщает о проведении призыва граждан "
            f"{first}–{first + 12} годов рождения на военную службу. Всем мужчинам указанного "
            "возраста необходимо прибыть в военный комиссариат для постановки на воинский учёт "
            "и получения повестки.",
        ),
        ("para", f"Адрес: г. {city}, {rng.choice(RU_STREETS)}, д. {rng.randint(1, 60)}."),
        ("para", f"Приём ведётся ежедневно с 9:00 до 17:00, кроме воскресенья. {region}."),
        ("para", "Уклонение от воинского учёта влечёт ответственность по закону."),
    ]
    return Document("call-up notice", "ru", True, blocks)


def notice_uk(rng: random.Random) -> Document:
    tcc = rng.choice(UK_TCC)
    blocks: list[Block] = [
        ("title", "ОГОЛОШЕННЯ"),
        ("header", "Шановні мешканці!"),
        (
            "para",
            f"{tcc} районний територіальний центр комплектування та соціальної підтримки "
            "повідомляє: усім військовозобов'язаним чоловікам віком від 18 до 60 років "
            "необхідно оновити військово-облікові дані та з'явитися до ТЦК для проходження "
            "військово-лікарської комісії.",
        ),
        (
            "para",
            f"Адреса: {rng.choice(UK_STREETS)}, {rng.randint(1, 80)}. Прийом з 8:00 до 17:00.",
        ),
        ("para", "За порушення правил військового обліку передбачено штраф."),
    ]
    return Document("call-up notice", "uk", True, blocks)


def order_ru(rng: random.Random) -> Document:
    city, region = rng.choice(RU_CITIES)
    head = rng.choice(RU_MEN)
    year = rng.choice((2006, 2007))
    blocks: list[Block] = [
        ("header", f"АДМИНИСТРАЦИЯ {region.upper()}"),
        ("title", "ПОСТАНОВЛЕНИЕ"),
        ("header", f"от {_date(rng, RU_MONTHS, 'г.')} № {rng.randint(10, 999)}-п"),
        (
            "header",
            "О проведении первоначальной постановки граждан на воинский учёт и призыва на "
            "военную службу",
        ),
        (
            "para",
            "В соответствии с Федеральным законом «О воинской обязанности и военной службе» и "
            "Указом Президента Российской Федерации ПОСТАНОВЛЯЮ:",
        ),
        (
            "para",
            f"1. Военному комиссариату {region} организовать первоначальную постановку на "
            f"воинский учёт граждан мужского пола {year} года рождения, проживающих на "
            f"территории г. {city}.",
        ),
        (
            "para",
            "2. Главам муниципальных округов обеспечить оповещение и явку граждан, подлежащих "
            "призыву, в военный комиссариат по повесткам.",
        ),
        ("para", "3. Контроль за исполнением настоящего постановления оставляю за собой."),
        ("sign", "Глава администрации", _initials(head)),
    ]
    return Document("occupation order", "ru", True, blocks)


def order_uk(rng: random.Random) -> Document:
    city, region = rng.choice(UK_CITIES)
    blocks: list[Block] = [
        ("header", f"ВІЙСЬКОВО-ЦИВІЛЬНА АДМІНІСТРАЦІЯ {region.upper()}"),
        ("title", "РОЗПОРЯДЖЕННЯ"),
        ("header", f"від {_date(rng, UK_MONTHS, 'р.')} № {rng.randint(10, 999)}"),
        ("header", "Про проведення мобілізаційних заходів"),
        (
            "para",
            f"1. Військовому комісаріату м. {city} забезпечити призов громадян на військову "
            "службу та вручення повісток військовозобов'язаним.",
        ),
        (
            "para",
            "2. Керівникам підприємств надати списки працівників, які перебувають на "
            "військовому обліку.",
        ),
        ("sign", "Голова адміністрації", _initials(rng.choice(UK_MEN))),
    ]
    return Document("occupation order", "uk", True, blocks)
