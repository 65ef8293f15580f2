"""Who lives in a sandbox world: two reporter accounts, two staff members, one outsider, and the
staff group (a forum supergroup with the bot as an administrator)."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.world import SandboxTelegram

# The embedded Bot API's own token: it opens nothing at Telegram.
TOKEN = "7100000001:SANDBOX-not-a-telegram-token-0000000"  # noqa: S105  # nosec B105
STAFF_CHAT = -1007100000001
STAFF_GROUP_TITLE = "Tim WBS Inspektorat (sandbox)"


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str  # reporter / staff / outsider
    description: str
    language: str = "id"


PEOPLE = (
    Person(7100000101, "Ani", "reporter", "reporter"),
    Person(7100000102, "Ani (second account)", "reporter", "the same reporter, a new account"),
    Person(7100000201, "Budi", "staff", "integrity officer"),
    Person(7100000202, "Rina", "staff", "integrity officer"),
    Person(7100000301, "Joko", "outsider", "not a member of the staff group"),
)
SEED_REPORTERS = (
    Person(7100000111, "Pelapor 1", "reporter", "filed a seeded case"),
    Person(7100000112, "Pelapor 2", "reporter", "filed a seeded case"),
    Person(7100000113, "Pelapor 3", "reporter", "filed a seeded case", "en"),
)


def by_id(person_id: int, people: tuple[Person, ...]) -> Person | None:
    return next((p for p in people if p.id == person_id), None)


def populate(world: SandboxTelegram, people: tuple[Person, ...]) -> None:
    staff = [p.id for p in people if p.role == "staff"]
    world.add_group(STAFF_CHAT, STAFF_GROUP_TITLE, forum=True, members=staff)
    for person in people:
        world.add_user(person.id, person.name, username=None, language_code=person.language)
    # The sandbox shows the bot's work, not Telegram's flood limits: no 429s here.
    world.rate_limits(per_group_per_minute=100_000, global_per_second=100_000)
