"""Sample reports from fictional data, for the README and for looking at the layout:
`python -m bot.reports.samples OUT_DIR` (scripts/render-samples also turns pages into PNG).

Every name, place and case here is invented; the stories follow the kinds of report the seeds
describe (harassment by an official, karaoke on duty, election neutrality).
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from bot.reports.charts import statistics_chart_png
from bot.reports.csv import period_csv
from bot.reports.pdf import case_file_pdf, period_report_pdf
from flows.lifecycle import CaseStatus
from flows.model import AuditEvent, Case, CaseMessage, Direction
from flows.policy import Policy
from flows.report_sources import staff_display_name
from flows.reports import CaseFile, EvidenceEntry, build_case_file, build_period_report
from flows.tickets import format_case_number

WIB = timezone(timedelta(hours=7), "WIB")
INSTITUTION = "Inspektorat Kota Nusa Indah"
POLICY = Policy(categories=("korupsi", "penipuan", "maladministrasi", "disiplin", "pelecehan",
                            "netralitas", "wewenang", "lainnya"))
START, END = date(2026, 4, 1), date(2026, 6, 30)
NOW = datetime(2026, 7, 3, 9, 30, tzinfo=WIB)
STAFF = {"staff:7f3a": "Rina Wulandari (Irban II)", "staff:19c2": "Dimas Prakoso (Auditor)"}
"""Display names a staff directory could give; the samples show what Peluit shows today (the
pseudonym label of `flows.report_sources.staff_display_name`)."""


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=WIB).astimezone(UTC)


@dataclass(frozen=True)
class SampleCase:
    case: Case
    messages: list[CaseMessage]
    events: list[AuditEvent]
    evidence: list[EvidenceEntry]
    recommendation: str


def sample_case_file_inputs() -> SampleCase:
    case = Case(
        id="c-sample", number=format_case_number(2026, 412), category="pelecehan", language="id",
        report={
            "what": ("Kepala Bidang Perizinan berulang kali mengirim pesan bernada seksual kepada "
                     "seorang pegawai kontrak di bidangnya, dan mengajaknya makan malam berdua dengan "
                     "janji perpanjangan kontrak. Ketika ajakan ditolak, pegawai itu dipindahkan ke "
                     "meja arsip dan tidak lagi diberi tugas lapangan. ") * 2,
            "who": "Kepala Bidang Perizinan (pejabat eselon III), inisial H.S.",
            "when": "Sejak Februari 2026, terakhir 28 April 2026 sekitar pukul 21.00.",
            "where": "Kantor Dinas Penanaman Modal lantai 3, dan lewat pesan WhatsApp.",
            "how": ("Pesan dikirim di luar jam kerja; ajakan disampaikan di ruangannya dengan pintu "
                    "tertutup; ancaman pemindahan diucapkan lisan tanpa saksi."),
        },
        created_at=_at(2, 8, 14), updated_at=_at(27, 10), status=CaseStatus.CONCLUDED,
        outcome=("Terbukti. Terlapor mengirim pesan bernada seksual dan memindahkan pegawai tanpa "
                 "dasar. Pegawai dikembalikan ke tugas semula."),
        acknowledged_at=_at(2, 13, 40), closed_at=_at(27, 10), has_contact=True)
    messages = [
        CaseMessage("m1", case.id, Direction.TO_REPORTER,
                    "Apakah Anda menyimpan tangkapan layar pesan-pesan tersebut, beserta tanggalnya?",
                    _at(4, 9, 5)),
        CaseMessage("m2", case.id, Direction.FROM_REPORTER,
                    "Ya, ada 14 tangkapan layar dari Februari sampai April. Saya kirim yang paling jelas.",
                    _at(4, 19, 22)),
        CaseMessage("m3", case.id, Direction.TO_REPORTER,
                    "Terima kasih. Apakah ada rekan yang melihat pemindahan ke meja arsip?",
                    _at(6, 10, 0)),
        CaseMessage("m4", case.id, Direction.FROM_REPORTER,
                    "Dua rekan di bagian arsip tahu, tetapi takut bersaksi.", _at(7, 7, 48)),
    ]
    events = [
        AuditEvent(1, case.created_at, "reporter", "case.submitted", case.number, "pelecehan"),
        AuditEvent(2, _at(2, 13, 40), "staff:7f3a", "case.moved", case.number, "received->verifying"),
        AuditEvent(3, _at(4, 9, 5), "staff:7f3a", "relay.to_reporter", case.number, ""),
        AuditEvent(4, _at(4, 19, 22), "reporter", "relay.to_staff", case.number, ""),
        AuditEvent(5, _at(6, 10, 0), "staff:19c2", "relay.to_reporter", case.number, ""),
        AuditEvent(6, _at(7, 7, 48), "reporter", "relay.to_staff", case.number, ""),
        AuditEvent(7, _at(8, 14, 0), "staff:7f3a", "case.moved", case.number, "verifying->clarification"),
        AuditEvent(8, _at(27, 10, 0), "staff:7f3a", "case.moved", case.number, "clarification->concluded"),
    ]
    evidence = [
        EvidenceEntry("photo", 183_422, "9c1f3b7e" * 8, _at(2, 8, 10)),
        EvidenceEntry("photo", 201_907, "4ad02e51" * 8, _at(4, 19, 25)),
        EvidenceEntry("document", 1_482_113, "e07b9a36" * 8, _at(4, 19, 31)),
    ]
    return SampleCase(case, messages, events, evidence, (
        "Hukuman disiplin berat bagi terlapor sesuai PP 94/2021; pendampingan psikologis bagi "
        "korban; sosialisasi pencegahan kekerasan seksual di seluruh bidang."))


def sample_case_file() -> CaseFile:
    s = sample_case_file_inputs()
    return build_case_file(s.case, s.messages, s.events, s.evidence, policy=POLICY, now=NOW,
                           display_name=staff_display_name, recommendation=s.recommendation, zone=WIB)


_WEIGHTS = {"korupsi": 18, "penipuan": 6, "maladministrasi": 20, "disiplin": 22, "pelecehan": 7,
            "netralitas": 12, "wewenang": 10, "lainnya": 5}
_CONCLUSIONS = ("Terbukti bermain karaoke dan siaran langsung di jam kerja",
                "Terbukti menyatakan dukungan kepada calon kepala daerah di media sosial",
                "Terbukti memungut biaya di luar ketentuan untuk surat keterangan",
                "Tidak terbukti; prosedur pelayanan telah sesuai ketentuan",
                "Terbukti meninggalkan tugas tanpa izin selama tiga hari berturut-turut")
_RECOMMENDATIONS = ("Teguran tertulis dan pembinaan oleh atasan langsung",
                    "Hukuman disiplin sedang sesuai PP 94/2021",
                    "Pengembalian pungutan kepada warga dan hukuman disiplin berat",
                    "Perbaikan SOP pelayanan dan pengumuman tarif resmi di loket",
                    "Pemantauan netralitas ASN hingga akhir masa pilkada")
_AUTHORITIES = ("Bawaslu Kota Nusa Indah", "Ombudsman RI Perwakilan Provinsi",
                "Kejaksaan Negeri Nusa Indah", "Badan Kepegawaian Negara")


def sample_cases(count: int = 10_000, seed: int = 15) -> tuple[list[Case], dict[str, str]]:
    """`count` cases received over the quarter, with the times and outcomes a busy inspectorate
    might see, and a recommendation for each concluded case."""
    # Sample data, not a secret: a seeded generator, so the samples come out the same each time.
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    start = datetime(2026, 4, 1, tzinfo=WIB)
    cases, recommendations = [], {}
    categories, weights = list(_WEIGHTS), list(_WEIGHTS.values())
    for i in range(count):
        created = start + timedelta(days=91 * rng.random() ** 0.9)
        category = rng.choices(categories, weights)[0]
        case = Case(id=f"s{i}", number=format_case_number(2026, i + 1), category=category,
                    language="id", report={}, created_at=created, updated_at=created)
        ack = created + timedelta(days=rng.expovariate(1 / 2.5))
        if ack < NOW and rng.random() > 0.02:
            case.acknowledged_at, case.status = ack, CaseStatus.VERIFYING
            closed = ack + timedelta(days=rng.expovariate(1 / 35))
            if closed < NOW:
                outcome = rng.random()
                case.closed_at = closed
                if outcome < 0.6:
                    case.status, case.outcome = CaseStatus.CONCLUDED, rng.choice(_CONCLUSIONS)
                    recommendations[case.id] = rng.choice(_RECOMMENDATIONS)
                elif outcome < 0.8:
                    case.status, case.outcome = CaseStatus.FORWARDED, rng.choice(_AUTHORITIES)
                else:
                    case.status, case.outcome = CaseStatus.NOT_ACTIONABLE, "Bukti tidak cukup"
            else:
                case.status = rng.choice((CaseStatus.VERIFYING, CaseStatus.NEEDS_INFO,
                                          CaseStatus.CLARIFICATION))
        cases.append(case)
    return cases, recommendations


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    (out / "sample-case-file.pdf").write_bytes(case_file_pdf(sample_case_file(), "id", INSTITUTION))
    made_case = time.perf_counter()
    cases, recommendations = sample_cases()
    report = build_period_report(cases, POLICY, START, END, NOW, zone=WIB,
                                 recommendations=recommendations)
    built = time.perf_counter()
    (out / "sample-period-report.pdf").write_bytes(period_report_pdf(report, "id", INSTITUTION))
    made_report = time.perf_counter()
    (out / "sample-statistics.png").write_bytes(statistics_chart_png(report, "id"))
    (out / "sample-period-counts.csv").write_text(period_csv(report), encoding="utf-8")
    print(f"case file {1000 * (made_case - started):.0f} ms; period model over {len(cases)} cases "
          f"{1000 * (built - made_case):.0f} ms; period PDF {1000 * (made_report - built):.0f} ms")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
