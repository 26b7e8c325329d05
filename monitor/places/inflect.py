"""Inflected forms of place names by rule, for names the dictionaries lack (pure, no I/O).

pymorphy3 knows the big cities; most villages, and many renamed towns, it does not. These
rules cover the paradigms place names follow in Russian and Ukrainian. They over-generate on
purpose (both languages' endings for every name): a form that does not exist never occurs in a
post, while one that is missed loses a mention.

    Мелітополь -> Мелітополя, Мелітополю, Мелітополем, Мелітополі, Мелитополе
    Каховка    -> Каховки, Каховці, Каховке, Каховку, Каховкой, Каховкою
    Нова (adjective in a longer name) -> Нової, Новій, Нову, Новою; Новая -> Новой, Новую
"""

from __future__ import annotations

_VOWELS = "аеєиіїоуюяыэ"
# Ukrainian dative/locative of a stem ending in к, г, х: Каховка -> Каховці, Рига -> Ризі.
_PALATAL = {"к": "ц", "г": "з", "х": "с"}


def noun_forms(word: str) -> set[str]:
    """Case forms of a one-word name (or a name's head noun), Russian and Ukrainian."""
    w = word
    out = {w}
    if len(w) < 2:
        return out
    last, stem = w[-1], w[:-1]
    if w.endswith("піль"):  # Тернопіль -> Тернополя
        out |= _add(w[:-4] + "пол", "я", "ю", "ем", "і", "е")
    elif last == "ь":  # Мелітополь, Умань
        out |= _add(stem, "я", "ю", "ем", "е", "і", "ю", "ью", "ню")
    elif last == "й":  # Гуляйполе has no й at the end; Краснодарский край-like rare
        out |= _add(stem, "я", "ю", "ем", "е", "ї")
    elif last in "ая" and w.endswith(("ія", "ия")):  # Олександрія, Александрия
        out |= _add(stem, "ї", "ю", "єю", "и", "ю", "ей", "і")
    elif last == "я":  # Щастя, Запоріжжя
        out |= _add(stem, "і", "ю", "ям", "ею", "е", "ей", "и")
    elif last == "а":  # Каховка, Балаклава
        out |= _add(stem, "и", "ы", "е", "і", "у", "ой", "ою", "ей")
        if stem and stem[-1] in _PALATAL:
            out.add(stem[:-1] + _PALATAL[stem[-1]] + "і")
    elif w.endswith(("ье", "ьє")):  # Запорожье, Счастье
        out |= _add(w[:-1], "я", "ю", "ем", "є", "і")
    elif last in "ео":  # Дніпро, Гуляйполе
        out |= _add(stem, "а", "я", "у", "ю", "ом", "ем", "і", "е")
    elif last in "иі" or w.endswith("ы"):  # Чернівці, Черновцы, Вилы
        out |= _add(stem, "ів", "ов", "ах", "ях", "ам", "ям", "ами")
    elif last not in _VOWELS:
        out |= _consonant_forms(w)
    return {f for f in out if len(f) >= 3}


def _consonant_forms(w: str) -> set[str]:
    out = _add(w, "а", "у", "ом", "е", "і", "ові", "ем", "я", "ю")
    if w.endswith(("ів", "їв")):  # Харків -> Харкова, Київ -> Києва
        stem = w[:-2] + ("о" if w[-2] == "і" else "є")
        out |= _add(stem + "в", "а", "у", "ом", "і", "ові", "ом")
    if w.endswith(("ець", "ец")):  # Кременець -> Кременця, Торез-like e-drop
        stem = w[: -3 if w.endswith("ець") else -2]
        out |= _add(stem, "ця", "цю", "цем", "ці", "ца", "цу", "цом", "це")
    if w.endswith("іг"):  # Ріг -> Рогу, Розі
        out |= _add(w[:-2], "ога", "огу", "огом", "озі", "оге")
    return out


def adjective_forms(word: str) -> set[str]:
    """Case forms of an adjective in a longer name: Нова, Новая, Кривий, Великі."""
    w = word
    out = {w}
    if w.endswith(("ів", "ов", "ев", "ин")) and len(w) > 3:  # Часів / Часов (Яр): possessive
        stem = w[:-2] + ("ов" if w.endswith("ів") else w[-2:])
        out |= {stem + f for f in ("а", "у", "ым", "ом", "ого", "ому", "им", "ім", "ої", "ій")}
    for ending, forms in _ADJECTIVES:
        if w.endswith(ending) and len(w) > len(ending) + 1:
            stem = w[: -len(ending)]
            out |= {stem + f for f in forms}
            break
    return out


_ADJECTIVES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ая", ("ой", "ую", "ою", "ая")),  # Новая
    ("яя", ("ей", "юю", "ею")),  # Верхняя
    ("ый", ("ого", "ому", "ым", "ом")),  # Старый
    ("ой", ("ого", "ому", "ым", "ом")),  # Кривой
    ("ий", ("ого", "ому", "им", "ом", "ім", "ього", "ьому")),  # Кривий, Великий
    ("ое", ("ого", "ому", "ым", "ом")),  # Мирное
    ("ее", ("его", "ему", "им", "ем")),  # Верхнее
    ("ые", ("ых", "ым", "ыми")),  # Великие
    ("ие", ("их", "им", "ими")),
    ("і", ("их", "им", "ими")),  # Великі
    ("а", ("ої", "ій", "у", "ою", "ой")),  # Нова
    ("е", ("ого", "ому", "им", "ім")),  # Мирне, Приморське
)


def name_forms(words: list[str]) -> list[set[str]]:
    """Forms of each word of a name: the last is the head noun, the ones before adjectives
    (Нова Каховка) or fixed words (Кривий Ріг keeps both paradigms: over-generating is safe)."""
    if len(words) == 1:
        w = words[0]
        forms = noun_forms(w)
        if w.endswith(("не", "ське", "цьке", "ое", "ее", "ий", "ый", "ой", "ка")) and len(w) > 4:
            forms |= adjective_forms(w)  # Мирне, Мирное, Приморське are adjectives
        return [forms]
    out = [adjective_forms(w) | {w} for w in words[:-1]]
    out.append(noun_forms(words[-1]) | adjective_forms(words[-1]))
    return out


def _add(stem: str, *endings: str) -> set[str]:
    return {stem + e for e in endings}
