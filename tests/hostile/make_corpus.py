"""Write the hostile-input corpus in tests/hostile/data/ (run by hand after changing it).

    .venv/bin/python -m tests.hostile.make_corpus

Each data file is JSON: a list of cases {"name", "input", "expect"?}. An input is a string, or
{"repeat": s, "times": n, "prefix": p, "suffix": q} for a long one, or {"base64": ...} for bytes
that are not UTF-8, or {"parts": [[s, n], ...]}: each s repeated n times, joined. `expect` is "ok" or "error" where the outcome is known; else either will do
as long as it is a value or a one-line error.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


def rep(s: str, times: int, prefix: str = "", suffix: str = "") -> dict[str, Any]:
    return {"repeat": s, "times": times, "prefix": prefix, "suffix": suffix}


def parts(*pieces: str | tuple[str, int]) -> dict[str, Any]:
    return {"parts": [[p, 1] if isinstance(p, str) else list(p) for p in pieces]}


def raw(data: bytes) -> dict[str, str]:
    return {"base64": base64.b64encode(data).decode()}


# Strings hostile to any parser: empty, blank, control characters, NUL, surrogates, marks.
GENERIC: dict[str, Any] = {
    "empty": "",
    "space": " ",
    "whitespace": " \t\r\n\v\f ",
    "nbsp": "\u00a0\u2007\u202f",
    "nul": "\x00",
    "nul-inside": "a\x00b",
    "controls": "".join(chr(c) for c in range(1, 32)),
    "del-c1": "\x7f\x85\x9b",
    "line-separators": "a\u2028b\u2029c",
    "bom": "\ufeff",
    "lone-high-surrogate": "\ud800",
    "lone-low-surrogate": "\udfff",
    "surrogate-pair-reversed": "\udc00\ud800",
    "rtl-override": "\u202eповестка",
    "rtl-marks": "\u200f\u200e\u061c",
    "zero-width": "\u200b\u200c\u200d\u2060",
    "combining": "a" + "\u0301" * 500,
    "emoji": "\U0001f4a3\U0001f1fa\U0001f1e6",
    "private-use": "\ue000\U000f0000",
    "noncharacters": "\ufffe\uffff",
    "replacement": "\ufffd",
    "ansi-escape": "\x1b[31mred\x1b[0m\x1b]0;title\x07",
    "backslashes": "\\\\\\",
    "backtick": "`rm -rf`",
    "percent": "%s%n%x%(name)s{0}{}",
    "html": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE posts; --",
    "long-line": rep("a", 200_000),
    "long-words": rep("повестка ", 20_000),
    "many-lines": rep("x\n", 50_000),
}
NUMBERS: dict[str, str] = {
    "zero": "0",
    "minus-zero": "-0",
    "minus-one": "-1",
    "minus-100": "-100",
    "minus-1000": "-1000",
    "int64-max": "9223372036854775807",
    "int64-max+1": "9223372036854775808",
    "int64-min": "-9223372036854775808",
    "marked-int64-min": "-1009223372036854775808",
    "marked-huge": "-10099999999999999999999999",
    "huge": "99999999999999999999999",
    "2**40": "1099511627776",
    "leading-zeros": "00000000000000000000000000000123",
    "float": "1.5",
    "exponent": "1e10",
    "hex": "0x10",
    "plus": "+123",
    "fullwidth-digits": "\uff11\uff12\uff13",
    "superscript-two": "\u00b2",
    "arabic-indic": "\u0663\u0664\u0665",
    "thousands": "1_000",
    "many-digits": "1" * 5000,
    "nan": "nan",
    "inf": "-inf",
}
BRACKETS: dict[str, Any] = {
    "quote": '"',
    "two-quotes": '""',
    "three-quotes": '"""',
    "odd-quotes": '"a" "b',
    "single-quote": "'",
    "open-paren": "(",
    "close-paren": ")",
    "unbalanced-parens": "((a)",
    "deep-parens": rep("(", 1000, suffix="a"),
    "deep-parens-closed": rep("(", 3000, suffix="a" + ")" * 3000),
    "brackets": "[{<",
    "deep-brackets": rep("[", 5000),
}
FTS: dict[str, str] = {
    "near-open": "NEAR(",
    "near-unclosed": "NEAR(a b",
    "near-slash": "NEAR/3",
    "near-words": "повестка NEAR/99999999999999999999 военкомат",
    "star": "*",
    "word-star": "повест*",
    "stars": "**",
    "caret": "^повестка",
    "and": "AND",
    "and-and": "AND AND",
    "or": "OR",
    "or-or": "OR OR",
    "or-first": "OR повестка",
    "or-last": "повестка OR",
    "not": "NOT",
    "a-not-b": "повестка NOT учения",
    "column": "text:повестка",
    "column-set": "{text title}:повестка",
    "plus-join": "повестка + военкомат",
    "minus": "-",
    "double-minus": "--",
    "minus-space": "- повестка",
    "minus-quote": '-"',
    "minus-empty-phrase": '-""',
    "minus-only": "-повестка",
    "minus-phrase": '-"гражданская оборона"',
    "empty-phrase": '""',
    "phrase-of-marks": '"!!! ???"',
    "punctuation": "!@#$%^&*()",
}
REGEXES: dict[str, str] = {
    "nested-quantifier": "/(a+)+$/",
    "alternation-bomb": "/(a|aa)*b/",
    "star-star": "/.*.*.*.*.*=.*/",
    "lookahead": "/(?=a)a/",
    "backreference": "/(a)\\1/",
    "unclosed-class": "/[/",
    "unclosed-group": "/(a/",
    "repeat-of-repeat": "/a{1000}{1000}/",
    "huge-repeat": "/x{99999}/",
    "deep-groups": "/" + "(" * 200 + "a" + ")" * 200 + "/",
    "empty-match": "/a*/",
    "empty-regex": "//",
    "dot-range": "/.{0,1000}x/",
    "unicode-class": "/\\p{Cyrillic}+/",
    "bad-escape": "/\\q/",
    "nul-regex": "/a\x00b/",
    "long-regex": "/" + "a" * 1500 + "/",
}


def cases(*pools: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    return [
        {"name": prefix + name, "input": value} for pool in pools for name, value in pool.items()
    ]


def channel_refs() -> list[dict[str, Any]]:
    out = cases(GENERIC, NUMBERS, BRACKETS, FTS)
    out += cases(NUMBERS, prefix="link-c-")
    for case in out[-len(NUMBERS) :]:
        case["input"] = "https://t.me/c/" + case["input"] + "/5"
    out += [
        {"name": "at-" + c["name"], "input": "@" + c["input"]}
        for c in cases(GENERIC, BRACKETS)
        if isinstance(c["input"], str)
    ]
    out += [
        {"name": "link-" + c["name"], "input": "t.me/" + c["input"]}
        for c in cases(GENERIC, BRACKETS)
        if isinstance(c["input"], str)
    ]
    known = {
        "tester-huge": ("99999999999999999999999", "error"),
        "tester-int64+1": ("9223372036854775808", "error"),
        "tester-link-huge": ("t.me/c/99999999999999999999999", "error"),
        "tester-marked-int64-min": ("-1009223372036854775808", "error"),
        "tester-minus-100": ("-100", "error"),
        "marked-ok": ("-1001234567890", "ok"),
        "bare-ok": ("1234567890", "ok"),
        "link-c-ok": ("https://t.me/c/1234567890/42", "ok"),
        "username-ok": ("@melitopol_news", "ok"),
        "link-ok": ("https://t.me/s/melitopol_news", "ok"),
        "link-c-bare-zero": ("t.me/c/0", "error"),
        "link-c-negative": ("t.me/c/-5", "error"),
        "invite": ("https://t.me/+AbCdEf", "error"),
        "joinchat": ("t.me/joinchat/AbCdEf", "error"),
        "link-nothing": ("t.me/", "error"),
        "link-s-empty": ("t.me/s/", "error"),
        "at-only": ("@", "error"),
        "at-at": ("@@melitopol", "error"),
        "short-name": ("@abc", "error"),
        "long-name": ("@" + "a" * 33, "error"),
        "cyrillic-name": ("@мелитополь", "error"),
        "name-nul": ("@melitopol\x00", "error"),
        "name-rtl": ("@melitopol\u202e", "error"),
        "tg-scheme": ("tg://resolve?domain=melitopol", "error"),
        "query-string": ("https://t.me/melitopol_news?start=\x00", "ok"),
        "link-c-fullwidth": ("t.me/c/\uff11\uff12\uff13", "error"),
    }
    out += [{"name": k, "input": v, "expect": e} for k, (v, e) in known.items()]
    return out


def search_queries() -> list[dict[str, Any]]:
    out = cases(GENERIC, NUMBERS, BRACKETS, FTS)
    out += cases(NUMBERS, prefix="channel-")
    for case in out[-len(NUMBERS) :]:
        case["input"] = "channel:" + case["input"]
    out += [
        {"name": "near-" + c["name"], "input": "повестка " + c["input"] + " военкомат"}
        for c in cases(FTS, BRACKETS)
        if isinstance(c["input"], str)
    ]
    known = {
        "tester-channel-huge": ("channel:99999999999999999999999", "error"),
        "channel-superscript": ("channel:\u00b2", "ok"),
        "channel-empty": ("channel:", "error"),
        "channel-at": ("channel:@", "ok"),
        "since-invalid": ("since:2024-02-30", "error"),
        "since-huge": ("since:99999-01-01", "error"),
        "since-year-zero": ("since:0000-01-01", "error"),
        "until-negative": ("until:-1", "error"),
        "since-after-until": ("since:2024-12-01 until:2024-01-01", "error"),
        "deleted-maybe": ("deleted:maybe", "error"),
        "hit-twice": ("hit:yes hit:no", "ok"),
        "unknown-filter": ("colour:red", "error"),
        "filter-quote": ('category:"', "error"),
        "url": ("https://t.me/dvizh_mel/1", "ok"),
        "too-long": ("a " * 251, "error"),
        "too-many-words": (" ".join(f"w{i}" for i in range(30)), "error"),
        "documented-minus": ('повестка -"гражданская оборона"', "ok"),
        "phrase-too-long": ('"' + " ".join(["повестка"] * 40) + '"', "ok"),
        "or-chain": (" OR ".join(["повестка"] * 20), "ok"),
        "only-excluded": ("-учения", "ok"),
    }
    out += [{"name": k, "input": v, "expect": e} for k, (v, e) in known.items()]
    return out


PACK_HEAD = '[pack]\nname = "hostile"\n\n'


def rule(match: str, *, extra: str = "", rule_id: str = "h.one") -> str:
    return f'[[rule]]\nid = "{rule_id}"\ncategory = "summons"\nmatch = [{match}]\n{extra}\n'


def toml_string(text: str) -> str:
    return json.dumps(text)  # a TOML basic string (JSON's escapes are TOML's)


def packs() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in cases(GENERIC, BRACKETS, FTS, REGEXES):
        value = c["input"]
        if not isinstance(value, str):
            continue
        out.append({"name": "match-" + c["name"], "input": PACK_HEAD + rule(toml_string(value))})
        out.append(
            {
                "name": "exclude-" + c["name"],
                "input": PACK_HEAD + rule('"повестка"', extra=f"exclude = [{toml_string(value)}]"),
            }
        )
    for c in cases(REGEXES):
        out.append(
            {
                "name": "define-" + c["name"],
                "input": PACK_HEAD + f"[define]\nx = {toml_string(c['input'])}\n\n" + rule('"@x"'),
            }
        )
    fan = '[define]\na4 = "повестка"\n' + "".join(
        f'a{lvl} = "' + " OR ".join([f"@a{lvl + 1}"] * 100) + '"\n' for lvl in (3, 2, 1, 0)
    )

    def chain(n: int) -> str:
        links = "".join(f'c{i} = "@c{i + 1} OR слово{i}"\n' for i in range(n - 1))
        return f'[define]\n{links}c{n - 1} = "повестка"\n'

    lists = "[define]\nl = [" + ", ".join(['"повестка OR военкомат"'] * 300) + "]\n"
    known: dict[str, tuple[Any, str]] = {
        "valid": (PACK_HEAD + rule('"повестка"'), "ok"),
        "tester-define-fan-out": (PACK_HEAD + fan + rule('"@a0"'), "error"),
        "tester-define-chain-9": (PACK_HEAD + chain(9) + rule('"@c0"'), "ok"),
        "define-chain-11": (PACK_HEAD + chain(11) + rule('"@c0"'), "ok"),
        "define-chain-40": (PACK_HEAD + chain(40) + rule('"@c0"'), "error"),
        "define-cycle": (PACK_HEAD + '[define]\na = "@b"\nb = "@a"\n' + rule('"@a"'), "error"),
        "define-self": (PACK_HEAD + '[define]\na = "x OR @a"\n' + rule('"@a"'), "error"),
        "define-unknown": (PACK_HEAD + rule('"@nothing"'), "error"),
        "define-list-fan-out": (
            PACK_HEAD + lists + rule(", ".join(['"@l"'] * 100)),
            "error",
        ),
        "define-list-in-expression": (
            PACK_HEAD + '[define]\nl = ["a", "b"]\n' + rule('"x @l"'),
            "error",
        ),
        "define-bad-name": (PACK_HEAD + '[define]\nBad-Name = "x"\n' + rule('"x"'), "error"),
        "define-not-table": (PACK_HEAD + 'define = "x"\n' + rule('"x"'), "error"),
        "define-number": (PACK_HEAD + "[define]\nx = 5\n" + rule('"@x"'), "error"),
        "tester-deep-array-3000": (parts("x = ", ("[", 3000), ("]", 3000), "\n"), "error"),
        "deep-array-100000": (parts("x = ", ("[", 100_000), ("]", 100_000)), "error"),
        "deep-inline-table": (parts("x = ", ("{a = ", 3000), "1", ("}", 3000), "\n"), "error"),
        "deep-array-unclosed": (rep("[", 50_000, prefix="x = "), "error"),
        "deep-array-in-rule": (
            parts(PACK_HEAD, rule('"x"', extra="tags = "), ("[", 2000), ("]", 2000)),
            "error",
        ),
        "brackets-in-strings": (
            parts(PACK_HEAD, rule('"' + "[" * 50 + '", "повестка"')),
            "error",
        ),
        "brackets-in-comment": (
            parts(PACK_HEAD, "# ", ("[", 5000), "\n", rule('"повестка"')),
            "ok",
        ),
        "brackets-in-literal": (
            parts("[pack.categories]\nx = '", ("{", 5000), "'\n", rule('"повестка"')),
            "ok",
        ),
        "brackets-in-multiline": (
            parts('[pack]\ndescription = """\n', ("[", 5000), '\n"""\n', rule('"повестка"')),
            "ok",
        ),
        "empty-file": ("", "error"),
        "whitespace-file": (" \n\t\n", "error"),
        "bom-file": ("\ufeff" + PACK_HEAD + rule('"повестка"'), "error"),
        "nul-in-file": (PACK_HEAD + "\x00" + rule('"повестка"'), "error"),
        "invalid-utf8": (
            raw(PACK_HEAD.encode() + b"\xff\xfe\xc3(" + rule('"x"').encode()),
            "error",
        ),
        "latin1": (raw(("# é\n" + PACK_HEAD + rule('"x"')).encode("latin-1")), "error"),
        "duplicate-key": (PACK_HEAD + rule('"x"', extra='id = "again"'), "error"),
        "duplicate-table": (PACK_HEAD + "[pack]\nname = 'again'\n" + rule('"x"'), "error"),
        "duplicate-rule-id": (PACK_HEAD + rule('"x"') + rule('"y"'), "error"),
        "rule-not-array": (PACK_HEAD + '[rule]\nid = "x"\n', "error"),
        "rule-string": ('rule = "x"\n', "error"),
        "rule-missing-id": (PACK_HEAD + '[[rule]]\ncategory = "summons"\nmatch = ["x"]\n', "error"),
        "rule-missing-match": (PACK_HEAD + '[[rule]]\nid = "x"\ncategory = "summons"\n', "error"),
        "rule-missing-category": (PACK_HEAD + '[[rule]]\nid = "x"\nmatch = ["x"]\n', "error"),
        "rule-id-number": (
            PACK_HEAD + '[[rule]]\nid = 5\ncategory = "summons"\nmatch = ["x"]\n',
            "error",
        ),
        "rule-id-huge": (
            parts(
                PACK_HEAD,
                '[[rule]]\nid = "',
                ("a", 5000),
                '"\ncategory = "summons"\nmatch = ["x"]\n',
            ),
            "error",
        ),
        "match-number": (
            PACK_HEAD + '[[rule]]\nid = "x"\ncategory = "summons"\nmatch = 5\n',
            "error",
        ),
        "match-mixed": (PACK_HEAD + rule('"x", 5'), "error"),
        "match-nested": (PACK_HEAD + rule('["x"]'), "error"),
        "match-table": (PACK_HEAD + rule("{a = 1}"), "error"),
        "match-empty-list": (PACK_HEAD + rule(""), "error"),
        "match-blank-strings": (PACK_HEAD + rule('"", " "'), "error"),
        "tags-number": (PACK_HEAD + rule('"x"', extra="tags = 5"), "error"),
        "category-unknown": (PACK_HEAD + rule('"x"').replace("summons", "nothing"), "error"),
        "category-huge": (
            parts(
                PACK_HEAD,
                rule('"x"').split("summons")[0],
                ("s", 100_000),
                rule('"x"').split("summons")[1],
            ),
            "error",
        ),
        "unknown-section": ("[other]\nx = 1\n" + rule('"x"'), "error"),
        "unknown-rule-key": (PACK_HEAD + rule('"x"', extra="colour = 1"), "error"),
        "pack-not-table": ('pack = "x"\n' + rule('"x"'), "error"),
        "categories-not-table": ('[pack]\ncategories = "x"\n' + rule('"x"'), "error"),
        "no-rules": (PACK_HEAD, "error"),
        "too-many-rules": (
            parts(PACK_HEAD, (rule('"повестка"'), 2001)),
            "error",
        ),
        "too-big": (rep("# " + "x" * 98 + "\n", 11_000, suffix=rule('"x"')), "error"),
        "unclosed-string": (PACK_HEAD + '[[rule]]\nid = "x\n', "error"),
        "unclosed-multiline": (PACK_HEAD + 'description = """\n' + rule('"x"'), "error"),
        "unclosed-table": (PACK_HEAD + "[[rule\n", "error"),
        "near-too-wide": (PACK_HEAD + rule('"a NEAR/99999999999999999999 b"'), "error"),
        "phrase-gap-huge": (PACK_HEAD + rule(toml_string('"a b"~99999999999999999999')), "error"),
        "long-expression": (
            PACK_HEAD + rule(toml_string(" OR ".join(["повестка"] * 1000))),
            "error",
        ),
        "many-phrase-words": (PACK_HEAD + rule(toml_string('"' + "a " * 50 + '"')), "error"),
    }
    out += [{"name": k, "input": v, "expect": e} for k, (v, e) in known.items()]
    return out


HEADER = '{\n "name": "Hostile",\n "type": "public_channel",\n "id": 1623456789,\n "messages": ['
MESSAGE = '{"id": 1, "type": "message", "date": "2024-11-20T10:00:00", "date_unixtime": "1732096800", "text": %s}'


def export(text: str = '"повестка"', *, messages: str | None = None, tail: str = "]\n}\n") -> str:
    return HEADER + (MESSAGE % text if messages is None else messages) + tail


def imports() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in cases(GENERIC, NUMBERS, BRACKETS, FTS):
        value = c["input"]
        if isinstance(value, str):
            text = {"name": "text-" + c["name"], "input": export(json.dumps(value))}
            if "surrogate" not in c["name"]:  # a lone surrogate escape is refused, or replaced
                text["expect"] = "ok"
            out.append(text)
    for c in cases(NUMBERS):
        out.append(
            {
                "name": "raw-id-" + c["name"],
                "input": export(messages=MESSAGE.replace('"id": 1', '"id": ' + c["input"]) % '"x"'),
            }
        )
        out.append(
            {"name": "channel-id-" + c["name"], "input": export().replace("1623456789", c["input"])}
        )
        out.append(
            {
                "name": "unixtime-" + c["name"],
                "input": export().replace('"1732096800"', json.dumps(c["input"])),
            }
        )
    good = export()
    known: dict[str, tuple[Any, str]] = {
        "valid": (good, "ok"),
        "tester-deep-100000": (
            rep("[", 100_000, prefix=HEADER + MESSAGE.split("%s")[0], suffix="]" * 100_000 + "}]}"),
            "error",
        ),
        "tester-deep-1000": (export("[" * 1000 + "]" * 1000), "error"),
        "tester-deep-16000": (
            parts(HEADER, MESSAGE.split("%s")[0], ("[", 16000), ("]", 16000), "}]}"),
            "error",
        ),
        "deep-objects": (
            parts(HEADER, MESSAGE.split("%s")[0], ('{"a":', 5000), "1", ("}", 5000), "}]}"),
            "error",
        ),
        "deep-unclosed": (rep("[", 300_000, prefix=HEADER), "error"),
        "deep-elsewhere": (parts('{"junk": ', ("[", 3000), ("]", 3000), "," + good[1:]), "error"),
        "nested-60": (export("[" * 60 + "]" * 60), "error"),
        "tester-missing-final-brace": (good.rstrip()[:-1], "error"),
        "missing-final-brace-newline": (good.rstrip()[:-1] + "\n", "error"),
        "missing-bracket-and-brace": (good.rstrip()[:-3], "error"),
        "truncated-mid-message": (good[: len(good) // 2 + 20], "error"),
        "truncated-in-string": (HEADER + '{"id": 1, "text": "пове', "error"),
        "trailing-garbage": (good + "xyz", "error"),
        "two-documents": (good + good, "error"),
        "trailing-comma": (good.replace("]\n}", ",]\n}"), "error"),
        "empty": ("", "error"),
        "whitespace": (" \n\t ", "error"),
        "null": ("null", "error"),
        "array": ("[]", "error"),
        "empty-object": ("{}", "error"),
        "string": ('"result"', "error"),
        "bom": ("\ufeff" + good, "error"),
        "invalid-utf8": (
            raw(good.encode().replace("повестка".encode(), b"\xff\xfe\xc3(")),
            "error",
        ),
        "latin1": (raw(good.replace("повестка", "é").encode("latin-1")), "error"),
        "utf16": (raw(good.encode("utf-16")), "error"),
        "nul-byte": (good.replace("повестка", "a\x00b"), "error"),
        "escaped-nul": (export('"a\\u0000b"'), "ok"),
        "lone-surrogate-escape": (export('"\\udc00"'), "error"),
        "high-surrogate-escape": (export('"a\\ud800b"'), "ok"),
        "duplicate-keys": (good.replace('"id": 1,', '"id": 1, "id": 2,'), "ok"),
        "duplicate-messages": (export(messages=(MESSAGE % '"a"') + "," + (MESSAGE % '"b"')), "ok"),
        "text-number": (export("5"), "error"),
        "text-null": (export("null"), "error"),
        "text-object": (export("{}"), "error"),
        "text-parts-bad": (export("[5]"), "error"),
        "text-part-no-text": (export('[{"type": "bold"}]'), "error"),
        "text-parts-ok": (export('["a", {"type": "bold", "text": "повестка"}]'), "ok"),
        "text-huge-float": (export("1e999"), "error"),
        "id-string": (export(messages=(MESSAGE % '"x"').replace('"id": 1', '"id": "1"')), "error"),
        "id-float": (export(messages=(MESSAGE % '"x"').replace('"id": 1', '"id": 1.0')), "error"),
        "id-bool": (export(messages=(MESSAGE % '"x"').replace('"id": 1', '"id": true')), "error"),
        "id-missing": (export(messages=(MESSAGE % '"x"').replace('"id": 1, ', "")), "error"),
        "channel-id-string": (good.replace("1623456789", '"1623456789"'), "error"),
        "channel-id-marked": (good.replace("1623456789", "-1001623456789"), "ok"),
        "no-dates": (export(messages='{"id": 1, "type": "message", "text": "x"}'), "error"),
        "date-garbage": (export(messages='{"id": 1, "date": "yesterday", "text": "x"}'), "error"),
        "date-year-0": (
            export(messages='{"id": 1, "date": "0000-01-01T00:00:00", "text": "x"}'),
            "error",
        ),
        "date-huge-year": (
            export(messages='{"id": 1, "date": "99999-01-01", "text": "x"}'),
            "error",
        ),
        "unixtime-negative": (good.replace('"1732096800"', '"-99999999999999"'), "error"),
        "unixtime-number": (good.replace('"1732096800"', "1.7e9"), "ok"),
        "unixtime-nan-string": (good.replace('"1732096800"', '"nan"'), "error"),
        "edited-garbage": (good.replace('"text"', '"edited_unixtime": "soon", "text"'), "error"),
        "message-null": (export(messages="null"), "error"),
        "message-list": (export(messages="[]"), "error"),
        "messages-not-list": (HEADER[: HEADER.index("[")] + '{"a": 1}\n}', "error"),
        "messages-missing": ('{"name": "x", "type": "public_channel", "id": 5}', "error"),
        "type-chat": (good.replace("public_channel", "personal_chat"), "error"),
        "type-missing": (good.replace('"type": "public_channel",', ""), "error"),
        "account-export": ('{"chats": {"list": []}}', "error"),
        "service-only": (
            export(messages='{"id": 1, "type": "service", "date": "2024-01-01T00:00:00"}'),
            "ok",
        ),
        "long-text": (
            rep("повестка ", 200_000, prefix=HEADER + MESSAGE.split("%s")[0] + '"', suffix='"}]}'),
            "ok",
        ),
        "long-key": (
            parts(HEADER, '{"', ("k", 100_000), '": 1, ' + (MESSAGE % '"x"')[1:], "]}"),
            "ok",
        ),
        "huge-number-field": (
            parts(HEADER, '{"views": ', ("9", 5000), ", " + (MESSAGE % '"x"')[1:], "]}"),
            "error",
        ),
        "forwarded-object": (
            good.replace('"type": "message"', '"forwarded_from": {"a": [1, 2]}, "type": "message"'),
            "ok",
        ),
        "header-last": (
            '{"messages": ['
            + (MESSAGE % '"x"')
            + '], "name": "x", "type": "public_channel", "id": 5}',
            "ok",
        ),
        "comments": ("// export\n" + good, "error"),
        "single-quotes": (good.replace('"', "'"), "error"),
        "nan-literal": (export("NaN"), "error"),
        "infinity-literal": (export("Infinity"), "error"),
    }
    out += [{"name": k, "input": v, "expect": e} for k, (v, e) in known.items()]
    return out


ENV_BASE = "TELEGRAM_API_ID=12345\nTELEGRAM_API_HASH=0123456789abcdef0123456789abcdef\nBOT_TOKEN=123:abc\nADMIN_IDS=1\n"
ENV_VARIABLES = (
    "TELEGRAM_API_ID",
    "ADMIN_IDS",
    "DATABASE_URL",
    "DEFAULT_TIMEZONE",
    "LOG_LEVEL",
    "POLL_INTERVAL",
    "BACKFILL_DAYS",
    "TELEGRAM_SERVER",
    "TELEGRAM_SERVER_KEY",
    "TELEGRAM_DC_ID",
    "CACHE_DIR",
)
ENV_VALUES = {
    "empty": "",
    "nul": "a\x00b",
    "huge": "99999999999999999999999",
    "int64+1": "9223372036854775808",
    "minus": "-1",
    "many-digits": "1" * 5000,
    "fullwidth": "\uff11\uff12",
    "rtl": "\u202e1",
    "quote": '"',
    "unbalanced": "'abc",
    "long": "x" * 3000,
    "controls": "\x01\x1b[31m",
    "path-traversal": "../../../../etc/passwd",
    "nan": "nan",
}


def env_files() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for variable in ENV_VARIABLES:
        for name, value in ENV_VALUES.items():
            out.append({"name": f"{variable}-{name}", "input": ENV_BASE + f"{variable}={value}\n"})
    known: dict[str, Any] = {
        "valid": ENV_BASE,
        "empty": "",
        "whitespace": " \n\t\n",
        "bom": "\ufeff" + ENV_BASE,
        "nul-line": ENV_BASE + "\x00\n",
        "invalid-utf8": raw(ENV_BASE.encode() + b"LOG_LEVEL=\xff\xfe\n"),
        "utf16": raw(ENV_BASE.encode("utf-16")),
        "binary": raw(bytes(range(256)) * 4),
        "no-equals": ENV_BASE + "JUSTTEXT\n",
        "export-prefix": "export " + ENV_BASE,
        "unclosed-quote": ENV_BASE + 'LOG_LEVEL="INFO\n',
        "multiline-quote": ENV_BASE + 'LOG_LEVEL="INFO\nDEBUG"\n',
        "duplicate-keys": ENV_BASE + "TELEGRAM_API_ID=1\nTELEGRAM_API_ID=x\n",
        "interpolation-loop": ENV_BASE + "A=${B}\nB=${A}\nLOG_LEVEL=${A}\n",
        "very-long-line": rep("x", 500_000, prefix=ENV_BASE + "LOG_LEVEL=", suffix="\n"),
        "many-lines": rep("X=1\n", 50_000, prefix=ENV_BASE),
        "crlf": ENV_BASE.replace("\n", "\r\n"),
        "cr-only": ENV_BASE.replace("\n", "\r"),
        "equals-only": "=\n==\n",
        "space-in-name": ENV_BASE + "LOG LEVEL=INFO\n",
    }
    out += [{"name": k, "input": v} for k, v in known.items()]
    return out


BOT_COMMANDS = (
    "start", "help", "subscribe", "unsubscribe", "list", "channels", "addchannel",
    "removechannel", "test", "mute", "timezone", "stats", "users", "promote", "block",
    "invite", "search", "digest",
)  # fmt: skip


def bot_commands() -> list[dict[str, Any]]:
    out = cases(GENERIC, BRACKETS, FTS)
    picked = ("empty", "nul-inside", "controls", "lone-high-surrogate", "rtl-override", "emoji")
    args = {
        **{k: GENERIC[k] for k in picked},
        **{k: NUMBERS[k] for k in ("minus-100", "int64-max+1", "huge", "superscript-two")},
        **{k: NUMBERS[k] for k in ("many-digits", "fullwidth-digits", "minus-zero")},
        **{k: v for k, v in BRACKETS.items() if isinstance(v, str)},
        "long": "x" * 5000,
        "huge-link": "t.me/c/99999999999999999999999",
        "marked-int64-min": "-1009223372036854775808",
        "regex-bomb": "/(a+)+$/",
        "near": "NEAR(",
        "duration-huge": "99999999999999999999d",
        "duration-zero": "0h",
        "tz-bad": "Mars/Olympus",
        "tz-traversal": "../../etc/localtime",
    }
    for command in BOT_COMMANDS:
        for name, value in args.items():
            out.append({"name": f"{command}-{name}", "input": f"/{command} {value}"})
    out += [
        {"name": "slash-only", "input": "/"},
        {"name": "slash-at", "input": "/@"},
        {"name": "slash-at-bot", "input": "/subscribe@"},
        {"name": "slash-nul", "input": "/\x00"},
        {"name": "slash-unicode", "input": "/подписка"},
        {"name": "command-long", "input": "/" + "a" * 100_000},
    ]
    return out


def main() -> None:
    DATA.mkdir(exist_ok=True)
    for name, build in {
        "channel_refs": channel_refs,
        "search_queries": search_queries,
        "packs": packs,
        "imports": imports,
        "env_files": env_files,
        "bot_commands": bot_commands,
    }.items():
        corpus = build()
        names = [c["name"] for c in corpus]
        duplicates = {n for n in names if names.count(n) > 1}
        assert not duplicates, (name, duplicates)
        text = json.dumps(corpus, ensure_ascii=True, indent=0)
        (DATA / f"{name}.json").write_text(text + "\n", encoding="ascii")
        print(f"{name}: {len(corpus)} cases, {len(text)} bytes")


if __name__ == "__main__":
    main()
