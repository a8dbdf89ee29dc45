"""A year's simulation: a profile of the report's figures in, the real commands of a district's
year out, written through ``SupervisionLedger.execute_batch`` so that every rule applies.

- ``profile``: the profile (JSON under the report's keys) and the rules that make it reachable;
- ``world``, ``plan_*``, ``teams``, ``year``: the year planned in memory, deterministically
  from a seed (``random.Random`` per area, never the global one);
- ``script_*``: the planned year as commands and the actors who issue them, area by area;
- ``engine``: group-committed batches, every outcome counted; ``simulate``: the whole run.

Profiles shipped in ``profiles/``: ``binhai-2023`` (the source report's figures) and
``binhai-2023-reduced`` (the same shape, small enough for CI).
"""
