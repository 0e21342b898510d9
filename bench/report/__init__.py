"""docs/PERFORMANCE.md and its chart, from the results of one run.

- `document`: the page, `write()` it (and the chart beside it);
- `summary`: the table of results against the targets, a row per measure;
- `sections`: a section per measure family (P1-P6), with its detailed tables;
- `chart`: the chart of ratios;
- `cells`: how numbers, ratios and Markdown tables are written.
"""
