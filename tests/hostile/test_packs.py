"""Hostile pattern packs through what `patterns check` runs: load_pack, then compile_matcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.errors import PatternError
from monitor.matching import compile_matcher, load_pack
from tests.hostile.corpus import bytes_of, check_memory, check_message, check_outcome, params


@pytest.mark.parametrize("case", params("packs"))
def test_a_pack_loads_or_points_at_the_fault(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "hostile.toml"
    path.write_bytes(bytes_of(case))
    try:
        compile_matcher([load_pack(path)])
    except PatternError as e:
        check_message(str(e))
        outcome = "error"
    else:
        outcome = "ok"
    check_outcome(case, outcome)
    check_memory()
