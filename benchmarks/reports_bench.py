"""Report generation: import cost of the renderers, time for one case file and for a quarter's
report over 10,000 cases, and memory. `python -m benchmarks.reports_bench [--cases N] [--runs N]
[--database]`. With `--database`, also the whole path the bot takes for `/berkas` and `/laporan`:
the cases written to a fresh SQLite database (encrypted, as the bot keeps them), then read back
through the ports, built and rendered (`bot/reports/maker.py`).

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
    parser.add_argument("--database", action="store_true",
                        help="also time reports made from a SQLite database of the cases")
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
    if args.database:
        import asyncio

        asyncio.run(_from_database(cases, recommendations, args.runs))
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


async def _from_database(cases: list, recommendations: dict, runs: int) -> None:
    """Write the cases (and the sample case with its messages and evidence) to a fresh SQLite
    database, then time the maker: the case file, and the quarter's report, from the records."""
    import dataclasses
    import tempfile
    from pathlib import Path

    from bot.reports import samples
    from bot.reports.maker import ReportMaker
    from flows.tickets import new_ticket_code
    from storage.crypto import load_or_create_keyring
    from storage.db import migrate
    from storage.uow import Database

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        keyring, _ = load_or_create_keyring(Path(tmp) / "keys")
        await migrate(url)
        db = Database(url, keyring)
        start = time.perf_counter()
        for chunk in range(0, len(cases), 500):
            async with db.uow() as uow:
                for case in cases[chunk:chunk + 500]:
                    stored = dataclasses.replace(case, id=f"b{case.id}",
                                                 recommendation=recommendations.get(case.id))
                    await uow.cases.add(stored, new_ticket_code(), 1000 + int(case.id[1:]), None)
                await uow.commit()
        print(f"database: {len(cases)} cases written in {time.perf_counter() - start:.1f} s")
        sample = samples.sample_case_file_inputs()
        one = dataclasses.replace(sample.case, number="WBS-2025-0412",
                                  recommendation=sample.recommendation)
        async with db.uow() as uow:
            await uow.cases.add(one, new_ticket_code(), 999, None)
            for m in sample.messages:
                await uow.cases.add_message(one.id, m.direction, m.body, m.created_at)
            for n in range(3):
                await uow.evidence.add_to_case(one.id, "photo", bytes(200_000 + n), "image/jpeg",
                                               None)
            for e in sample.events:
                await uow.audit.record(e.actor, e.action, one.number, e.detail)
            await uow.commit()
        maker = ReportMaker(db, dataclasses.replace(samples.POLICY,
                                                    institution=samples.INSTITUTION))
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            made = await maker.case_file(one.id, "id")
            times.append(time.perf_counter() - began)
        assert made is not None
        print(f"/berkas from the database (read, build, PDF): {statistics.median(times) * 1000:.0f} ms "
              f"median of {runs}, {len(made.data) / 1024:.0f} KiB")
        reads, wholes = [], []
        for _ in range(3):
            began = time.perf_counter()
            model = await maker.period_model(samples.START, samples.END, samples.NOW)
            reads.append(time.perf_counter() - began)
            began = time.perf_counter()
            report = await maker.period(samples.START, samples.END, "id")
            wholes.append(time.perf_counter() - began)
        print(f"/laporan for the quarter from the database: read + build the model "
              f"{statistics.median(reads) * 1000:.0f} ms ({model.total} cases); whole (read, "
              f"build, PDF) {statistics.median(wholes) * 1000:.0f} ms median of 3; "
              f"{len(report.data) / 1024:.0f} KiB")
        await db.close()


if __name__ == "__main__":
    main()
