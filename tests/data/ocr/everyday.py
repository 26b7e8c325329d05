"""Everyday notices for the OCR set, the negatives: water, market, school, buses, a residents'
meeting agenda (the other «повестка») (pure, seeded)."""

from __future__ import annotations

import random

from documents import (
    RU_CITIES,
    RU_MONTHS,
    RU_STREETS,
    UK_CITIES,
    UK_MONTHS,
    UK_STREETS,
    Block,
    Document,
)


def _day(rng: random.Random, months: list[str]) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(months)}"


def water_ru(rng: random.Random) -> Document:
    streets = ", ".join(rng.sample(RU_STREETS, 3))
    blocks: list[Block] = [
        ("title", "ОБЪЯВЛЕНИЕ"),
        ("header", "Уважаемые жители!"),
        (
            "para",
            f"В связи с ремонтными работами на водопроводе {_day(rng, RU_MONTHS)} с 9:00 до "
            f"18:00 будет отключено холодное водоснабжение по адресам: {streets}.",
        ),
        ("para", "Просим заранее сделать запас воды. Приносим извинения за неудобства."),
        ("sign", "Администрация", "МУП «Водоканал»"),
    ]
    return Document("water outage", "ru", False, blocks)


def water_uk(rng: random.Random) -> Document:
    streets = ", ".join(rng.sample(UK_STREETS, 3))
    blocks: list[Block] = [
        ("title", "ОГОЛОШЕННЯ"),
        ("header", "Шановні мешканці!"),
        (
            "para",
            f"У зв'язку з ремонтом водогону {_day(rng, UK_MONTHS)} з 8:00 до 17:00 буде "
            f"припинено водопостачання за адресами: {streets}.",
        ),
        ("para", "Просимо заздалегідь зробити запас води. Вибачте за тимчасові незручності."),
        ("sign", "Адміністрація", "КП «Водоканал»"),
    ]
    return Document("water outage", "uk", False, blocks)


def market_ru(rng: random.Random) -> Document:
    blocks: list[Block] = [
        ("title", f"РЫНОК «{rng.choice(('Центральный', 'Колхозный', 'Южный'))}»"),
        ("header", "Режим работы"),
        (
            "table",
            "Понедельник – пятница|7:00 – 17:00",
            "Суббота|6:00 – 16:00",
            "Воскресенье|6:00 – 14:00",
        ),
        ("para", "Санитарный день – последний понедельник месяца."),
        ("para", "Администрация рынка просит соблюдать чистоту и порядок."),
    ]
    return Document("market hours", "ru", False, blocks)


def market_uk(rng: random.Random) -> Document:
    blocks: list[Block] = [
        ("title", f"РИНОК «{rng.choice(('Центральний', 'Привокзальний'))}»"),
        ("header", "Графік роботи"),
        ("table", "Понеділок – п'ятниця|7:00 – 17:00", "Субота|6:00 – 15:00", "Неділя|вихідний"),
        ("para", "Санітарний день – остання середа місяця."),
    ]
    return Document("market hours", "uk", False, blocks)


def school_ru(rng: random.Random) -> Document:
    number = rng.randint(1, 30)
    blocks: list[Block] = [
        ("title", f"ШКОЛА № {number}"),
        ("header", "приглашает родителей и учеников"),
        (
            "para",
            f"{_day(rng, RU_MONTHS)} в 12:00 в актовом зале состоится праздничный концерт и "
            "ярмарка поделок. Вход свободный. Выступят хор младших классов и школьный театр.",
        ),
        ("para", "Родительское собрание 5–9 классов пройдёт в 15:00 в кабинете № 12."),
    ]
    return Document("school event", "ru", False, blocks)


def school_uk(rng: random.Random) -> Document:
    blocks: list[Block] = [
        ("title", "ЗАПРОШЕННЯ"),
        ("header", f"Ліцей № {rng.randint(1, 25)} запрошує на шкільний ярмарок"),
        (
            "para",
            f"{_day(rng, UK_MONTHS)} о 10:00 на подвір'ї ліцею відбудеться благодійний ярмарок. "
            "Учні продаватимуть випічку та вироби власними руками.",
        ),
        ("para", "Кошти підуть на ремонт шкільної бібліотеки."),
    ]
    return Document("school event", "uk", False, blocks)


def bus_ru(rng: random.Random) -> Document:
    city, _ = rng.choice(RU_CITIES)
    start = rng.randint(5, 7)
    rows = [f"{h}:{m:02d}|{h}:{(m + 25) % 60:02d}" for h in range(start, start + 5) for m in (10,)]
    blocks: list[Block] = [
        ("title", f"РАСПИСАНИЕ АВТОБУСА № {rng.randint(2, 40)}"),
        ("header", f"Автовокзал – {rng.choice(('Рынок', 'Больница', 'Посёлок Садовый'))}"),
        ("table", "Отправление|Прибытие", *rows),
        ("para", f"Стоимость проезда 40 рублей. Справки по телефону диспетчерской г. {city}."),
    ]
    return Document("bus timetable", "ru", False, blocks)


def bus_uk(rng: random.Random) -> Document:
    city, _ = rng.choice(UK_CITIES)
    start = rng.randint(5, 7)
    rows = [f"{h}:{m:02d}|{h + 1}:{m:02d}" for h in range(start, start + 5) for m in (40,)]
    blocks: list[Block] = [
        ("title", f"РОЗКЛАД РУХУ АВТОБУСА № {rng.randint(2, 40)}"),
        ("header", f"{city} – Автостанція"),
        ("table", "Відправлення|Прибуття", *rows),
        ("para", "Вартість проїзду 15 гривень. Пільговий проїзд за посвідченням."),
    ]
    return Document("bus timetable", "uk", False, blocks)


def agenda_ru(rng: random.Random) -> Document:
    blocks: list[Block] = [
        ("title", "УВЕДОМЛЕНИЕ"),
        ("header", "о проведении общего собрания собственников помещений"),
        (
            "para",
            f"{_day(rng, RU_MONTHS)} в 18:00 во дворе дома № {rng.randint(1, 90)} по "
            f"{rng.choice(RU_STREETS)} состоится общее собрание собственников.",
        ),
        ("header", "Повестка дня:"),
        ("para", "1. Выбор председателя и секретаря собрания."),
        ("para", "2. Утверждение тарифа на вывоз мусора."),
        ("para", "3. Ремонт крыши и подъездов."),
        ("sign", "Инициатор собрания", "совет дома"),
    ]
    return Document("residents' meeting", "ru", False, blocks)


def pharmacy_uk(rng: random.Random) -> Document:
    blocks: list[Block] = [
        ("title", "АПТЕКА"),
        ("header", "Змінено графік роботи"),
        ("para", "З понеділка аптека працює з 8:00 до 20:00 без перерви на обід."),
        ("para", f"Адреса: {rng.choice(UK_STREETS)}, {rng.randint(1, 60)}. Телефон для довідок."),
    ]
    return Document("pharmacy hours", "uk", False, blocks)
