"""Report generation: import cost of the renderers, time for one case file and for a quarter's
report over 10,000 cases, and memory. `python -m benchmarks.reports_bench [--cases N] [--runs N]`.

Runs in this process, which first imports what the running bot has loaded anyway (telegram,
sqlalchemy, cryptography, Pillow), so the import figures are what a first report adds to the bot.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def _timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import PIL.Image  # noqa: F401

    import bot.app  # noqa: F401 - the bot's own modules, loaded before any report
    import storage.uow  # noqa: F401
    base = _rss_mib()
    start = time.perf_counter()
    from bot.reports import charts, csv, pdf, samples
    imported = (time.perf_counter() - start) * 1000
    after_import = _rss_mib()
    print(f"import bot.reports.{{pdf,charts,csv}}: {imported:.0f} ms, "
          f"RSS {base:.0f} → {after_import:.0f} MiB")

    case_file = samples.sample_case_file()
    first = time.perf_counter()
    pdf.case_file_pdf(case_file, "id", samples.INSTITUTION)
    print(f"first case file (loads the fonts): {(time.perf_counter() - first) * 1000:.0f} ms")
    ms, data = _timed(lambda: pdf.case_file_pdf(case_file, "id", samples.INSTITUTION), args.runs)
    print(f"case file: {ms:.0f} ms median of {args.runs}, {len(data) / 1024:.0f} KiB")  # type: ignore[arg-type]

    cases, recommendations = samples.sample_cases(args.cases)
    ms, report = _timed(lambda: samples.build_period_report(
        cases, samples.POLICY, samples.START, samples.END, samples.NOW, zone=samples.WIB,
        recommendations=recommendations), args.runs)
    print(f"period model over {args.cases} cases: {ms:.0f} ms")
    ms, png = _timed(lambda: charts.statistics_chart_png(report, "id"), args.runs)  # type: ignore[arg-type]
    print(f"statistics picture: {ms:.0f} ms, {len(png) / 1024:.0f} KiB")  # type: ignore[arg-type]
    ms, text = _timed(lambda: csv.period_csv(report), args.runs)  # type: ignore[arg-type]
    print(f"CSV: {ms:.1f} ms, {len(text)} characters")  # type: ignore[arg-type]
    gc.collect()
    before = _rss_mib()
    tracemalloc.start()
    start = time.perf_counter()
    data = pdf.period_report_pdf(report, "id", samples.INSTITUTION)  # type: ignore[arg-type]
    took = (time.perf_counter() - start) * 1000
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"period report PDF: {took:.0f} ms (one run, traced), {len(data) / 1024:.0f} KiB; "
          f"Python allocations peak {peak / 2**20:.0f} MiB; RSS {before:.0f} → {_rss_mib():.0f} MiB")
    ms, _ = _timed(lambda: pdf.period_report_pdf(report, "id", samples.INSTITUTION), 3)  # type: ignore[arg-type]
    print(f"period report PDF: {ms:.0f} ms median of 3 (untraced)")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
