"""Reports for leadership, rendered from `flows.reports` values: the case file and the period
report as PDF (`pdf`), the statistics picture as PNG (`charts`), the period's counts as CSV (`csv`).

    case = build_case_file(case, messages, events, [EvidenceEntry.of(f, received_at) ...],
                           policy=policy, now=now, display_name=..., recommendation=..., zone=...)
    pdf.case_file_pdf(case, lang, institution_name) -> bytes
    report = build_period_report(cases, policy, start, end, now, zone=..., recommendations=...)
    pdf.period_report_pdf(report, lang, institution_name) -> bytes
    charts.statistics_chart_png(report, lang) -> bytes
    csv.period_csv(report) -> str

No module here imports telegram. Import them where a report is made, not at start-up (fpdf2 and
fontTools cost about 120 ms and 20 MiB on first import), and run them in a worker thread: they are
CPU-bound (a case file ~70–150 ms, a quarter of 10,000 cases ~1.3–2.3 s).
"""
