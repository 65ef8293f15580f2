"""flows.diagrams: both diagrams come from the tables, and the copies in docs/ are current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows import diagrams
from flows.intake import TRANSITIONS, Step
from flows.lifecycle import CLOSED, MOVES, CaseStatus, Move

ROOT = Path(__file__).resolve().parents[2]


def edge_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "-->" in line and "[*]" not in line]


def listed(value: object) -> list[str]:
    if value is None:
        return []
    return [str(value)] if isinstance(value, str) else [str(v) for v in value]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- intake


def test_given_the_intake_table_then_the_diagram_is_a_mermaid_state_diagram_starting_at_category() -> None:
    text = diagrams.intake_diagram()

    assert text.splitlines()[0] == "stateDiagram-v2"
    assert "    [*] --> category" in text.splitlines()
    assert {"    submitted --> [*]", "    cancelled --> [*]"} <= set(text.splitlines())


@pytest.mark.parametrize("step", list(Step))
def test_given_the_intake_diagram_then_every_step_is_in_it(step: Step) -> None:
    assert f"    {step.value}" in diagrams.intake_diagram().splitlines()


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t['trigger']}->{t['dest']}")
def test_given_each_intake_transition_then_an_edge_per_source_carries_trigger_and_guards(
    transition: dict[str, object],
) -> None:
    edges = edge_lines(diagrams.intake_diagram())
    guards = listed(transition.get("conditions")) + [f"!{u}" for u in listed(transition.get("unless"))]
    for source in listed(transition["source"]):
        [edge] = [e for e in edges if e.startswith(f"{source} --> {transition['dest']} : "
                                                    f"{transition['trigger']}")
                  and all(g in e for g in guards)
                  and (not guards or f"[{', '.join(guards)}]" in e)]
        assert edge


def test_given_the_intake_diagram_then_it_has_exactly_one_edge_per_transition_and_source() -> None:
    expected = sum(len(listed(t["source"])) for t in TRANSITIONS)

    assert len(edge_lines(diagrams.intake_diagram())) == expected


@pytest.mark.parametrize("line", [
    "what --> who : proceed [answer_ok, !editing]",
    "what --> review : proceed [answer_ok, editing]",
    "where --> how : skip [!editing]",
    "contact --> review : proceed [has_contact]",
    "review --> submitted : submit [complete]",
    "review --> what : edit_what / start_editing",
    "identity --> review : stay_anonymous",
    "evidence --> cancelled : cancel",
])
def test_given_the_intake_diagram_then_guards_read_as_labels(line: str) -> None:
    assert line in edge_lines(diagrams.intake_diagram())


def test_given_a_changed_table_then_the_diagram_changes_with_it() -> None:
    table = [*TRANSITIONS, {"trigger": "rewind", "source": Step.REVIEW, "dest": Step.WHAT, "unless": "x"}]

    assert "review --> what : rewind [!x]" in edge_lines(diagrams.intake_diagram(table))


# --------------------------------------------------------------------------- case


@pytest.mark.parametrize("status", list(CaseStatus))
def test_given_the_case_diagram_then_every_status_is_in_it(status: CaseStatus) -> None:
    lines = diagrams.case_diagram().splitlines()

    assert f"    {status.value}" in lines
    assert (f"    {status.value} --> [*]" in lines) == (status in CLOSED)


@pytest.mark.parametrize("move", MOVES, ids=lambda m: m.trigger)
def test_given_each_case_move_then_an_edge_per_source_names_trigger_command_and_text(move: Move) -> None:
    edges = edge_lines(diagrams.case_diagram())
    suffix = " (text)" if move.needs_text else ""
    for source in move.source:
        assert f"{source.value} --> {move.dest.value} : {move.trigger} /{move.command}{suffix}" in edges


def test_given_the_case_diagram_then_it_starts_at_received_and_has_no_extra_edges() -> None:
    text = diagrams.case_diagram()

    assert "    [*] --> received" in text.splitlines()
    assert len(edge_lines(text)) == sum(len(m.source) for m in MOVES)
    assert "clarification --> concluded : conclude /selesai (text)" in edge_lines(text)
    assert "received --> verifying : verify /verifikasi" in edge_lines(text)


# --------------------------------------------------------------------------- the files in docs/


@pytest.mark.parametrize(("name", "make"), [("intake.mmd", diagrams.intake_diagram),
                                            ("case.mmd", diagrams.case_diagram)])
def test_given_the_docs_then_each_diagram_is_exactly_what_the_table_generates(name: str, make) -> None:
    assert (ROOT / "docs" / name).read_text(encoding="utf-8") == make()


def test_given_an_empty_directory_when_generating_then_both_files_are_written_and_check_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert diagrams.main(["--check", "--out", str(tmp_path)]) == 1
    assert not any(tmp_path.iterdir())  # --check writes nothing

    assert diagrams.main(["--out", str(tmp_path)]) == 0

    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.mmd", "intake.mmd"]
    assert diagrams.main(["--check", "--out", str(tmp_path)]) == 0


def test_given_a_hand_edited_file_when_checked_then_it_is_out_of_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    diagrams.main(["--out", str(tmp_path)])
    (tmp_path / "case.mmd").write_text(diagrams.case_diagram() + "    received --> concluded\n")

    assert diagrams.main(["--check", "--out", str(tmp_path)]) == 1
    assert "case.mmd" in capsys.readouterr().err


def test_given_the_repository_when_checked_by_command_then_it_passes_without_telegram_or_sqlalchemy() -> None:
    check = subprocess.run([sys.executable, "-m", "flows.diagrams", "--check"], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr

    probe = ("import sys, flows.diagrams; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'telegram', 'sqlalchemy'}))")
    imported = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                              check=True)
    assert imported.stdout.strip() == "[]"
