"""The measures P1-P6, one module per family: each returns plain data (dicts) that
`bench.report` turns into prose.

Every throughput is taken beside its reference in the same run, interleaved round by round,
so that a neighbour's load on this shared machine weighs on both sides of each ratio.

- `plan`: how much of everything (the full run or the smoke run), and the statistics;
- `pages`: the pages measured, by name; `sessions`: the bench user's signed-in cookies;
- `throughput` (P1, P1b), `queries` (P2), `profiles` (of missed targets), `search` (P3),
  `downloads` (P4, P4b), `newsletter` (P5), `signups` (P6).
"""
