"""Reports for leadership, rendered from `flows.reports` values: the case file and the period
report as PDF (`pdf`), the statistics picture as PNG (`charts`), the period's counts as CSV (`csv`).

No module here imports telegram. Import them where a report is made, not at start-up: fpdf2 and
fontTools cost about 110 ms and 18 MiB on first import, which a bot that never makes a report
should not pay.
"""
