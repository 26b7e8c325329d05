"""Explain a hit in words: which terms matched which characters, in which form (no I/O)."""

from __future__ import annotations

from monitor.domain import Hit, Span
from monitor.matching.normalize import fold_word


def explain(hit: Hit, text: str) -> str:
    """A human explanation of one hit on `text`: one line for the rule, one per matched word."""
    lines = [f"rule {hit.rule_id} ({hit.category}) matched:"]
    lines.extend(f"  {_span_line(span, text)}" for span in hit.spans)
    if hit.tags:
        lines.append(f"  tags: {', '.join(hit.tags)}")
    return "\n".join(lines)


def _span_line(span: Span, text: str) -> str:
    surface = text[span.start : span.end]
    where = f"«{surface}» at {span.start}-{span.end}"
    read = fold_word(surface)
    shown = f" (read as «{read}»)" if read != surface.lower() else ""
    if span.term == "regex":
        return f"{where}{shown}: the regular expression of the rule"
    if span.term.endswith("*"):
        return f"{where}{shown}: starts with «{span.lemma}» (term {span.term})"
    if span.term.startswith("=") or (read == span.lemma and not span.lemma.isalpha()):
        return f"{where}{shown}: the exact form «{span.lemma}» (term {span.term})"
    if read == span.lemma:
        return f"{where}{shown}: the lemma «{span.lemma}» itself (term {span.term})"
    return f"{where}{shown}: an inflected form of the lemma «{span.lemma}» (term {span.term})"
