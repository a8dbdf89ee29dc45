"""``make bench ARGS=--only …`` keeps the other benchmarks' last figures of the same size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.bench.__main__ import _keep_the_others


def _results(quick: bool) -> dict[str, Any]:
    return {"quick": quick, "figures": {}, "measured_at": {}}


def test_the_other_figures_stay_with_when_they_were_measured(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    earlier = {
        "started_at": "2026-11-27T12:00:00+00:00",
        "quick": False,
        "figures": {"rebuild": {"rebuild_events_per_s": 24_000.0}, "year": {"events": 5.0}},
        "measured_at": {"year": "2026-11-27T12:10:00+00:00"},
    }
    path.write_text(json.dumps(earlier), encoding="utf-8")
    results = _results(quick=False)
    _keep_the_others(results, path)
    assert results["figures"] == earlier["figures"]
    assert results["measured_at"] == {
        "rebuild": "2026-11-27T12:00:00+00:00",
        "year": "2026-11-27T12:10:00+00:00",
    }


def test_figures_of_another_size_or_no_file_are_not_mixed_in(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    results = _results(quick=True)
    _keep_the_others(results, path)
    assert results["figures"] == {}
    path.write_text(json.dumps({"quick": False, "figures": {"year": {"events": 5.0}}}))
    _keep_the_others(results, path)
    assert results["figures"] == {}
