"""A few realistic cases, filed through the real bot by simulated reporters (so each is a real
case with its card and topic), after the stories in the project's seed articles: sexual
harassment by an official, civil servants' karaoke live-streamed in working hours, and a civil
servant campaigning for a candidate. Then a staff member asks about the first and verifies the
second. All names are initials and all events invented."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from sandbox.cast import PEOPLE, STAFF_CHAT, Person
from sandbox.world import SandboxTelegram

STEPS = ("what", "who", "when", "where", "how")
WAIT = 30.0


@dataclass(frozen=True)
class Story:
    category: str
    answers: dict[str, str]
    evidence: bool = False


STORIES = (
    Story("pelecehan", {
        "what": "Seorang pejabat eselon III berulang kali mengirim pesan bernada seksual kepada staf "
                "honorer perempuan dan memintanya datang ke ruangannya setelah jam kantor.",
        "who": "Inisial AR, Kepala Bidang, Dinas Pemberdayaan Perempuan Kabupaten",
        "when": "Sejak Januari 2025, terakhir Jumat 28 Februari 2025 sekitar pukul 17.30",
        "where": "Ruang kerja Kabid, lantai 3, dan lewat WhatsApp",
        "how": "Pesan pribadi larut malam, komentar tentang pakaian, ancaman kontrak tidak "
               "diperpanjang bila korban menolak. Tangkapan layar pesan masih disimpan korban.",
    }),
    Story("wewenang", {
        "what": "Beberapa ASN bernyanyi karaoke dan menyiarkannya langsung di media sosial pada jam "
                "kerja, sementara loket pelayanan tutup.",
        "who": "Tiga staf bagian umum, salah satunya berinisial DS (Kasubag Umum)",
        "when": "Selasa, 11 Maret 2025, pukul 10.00–11.30",
        "where": "Aula kantor kecamatan",
        "how": "Pengeras suara dan laptop kantor dipakai; siaran langsung ditonton warga yang "
               "menunggu di loket. Rekaman siaran sempat beredar sebelum dihapus.",
    }, evidence=True),
    Story("netralitas", {
        "what": "A civil servant shared campaign material for a regional head candidate in the "
                "office WhatsApp group and asked staff to attend a campaign rally.",
        "who": "Initials HS, head of a sub-district office",
        "when": "Monday 4 November 2024, around 08.00",
        "where": "The office WhatsApp group, and the morning briefing",
        "how": "Posters and a registration link were posted with the instruction to come in "
               "uniform; staff who declined were told it would be noted.",
    }),
)
QUESTION = ("Terima kasih atas laporannya. Apakah ada rekan kerja lain yang juga menerima pesan "
            "serupa? Sebutkan jabatannya saja, tanpa nama.")


def _buttons(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b.get("callback_data") or "" for row in rows for b in row]


class _Actor:
    """A simulated person who reads the bot's newest message before answering it."""

    def __init__(self, world: SandboxTelegram, person: Person, chat_id: int) -> None:
        self.world, self.person, self.chat_id, self.seen = world, person, chat_id, 0

    async def expect(self, button: str | None = None) -> dict:
        def find() -> dict | None:
            for message in self.world.bot_messages(self.chat_id):
                if message["message_id"] > self.seen and (
                        button is None or any(d.startswith(button) for d in _buttons(message))):
                    return message
            return None
        message = await self.world.wait_for(find, WAIT)
        self.seen = message["message_id"]
        return message

    async def press(self, message: dict, prefix: str, arg: str | None = None) -> None:
        data = next(d for d in _buttons(message) if d.startswith(prefix)
                    and (arg is None or d.endswith(f":{arg}")))
        await self.world.press_as(self.person.id, message, data)


def _picture() -> bytes:
    """A stand-in for a screenshot of the live stream."""
    image = Image.new("RGB", (480, 320), (32, 40, 64))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 460, 250), fill=(70, 90, 140))
    draw.text((40, 120), "LIVE  10:14  (karaoke, aula kecamatan)", fill=(255, 255, 255))
    draw.text((40, 270), "tangkapan layar siaran langsung", fill=(200, 200, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def file_story(world: SandboxTelegram, person: Person, story: Story,
                     categories: tuple[str, ...]) -> None:
    me = _Actor(world, person, person.id)
    await world.send_text(person.id, "/lapor")
    await me.press(await me.expect("i:cat:"), "i:cat:", str(categories.index(story.category)))
    await me.expect("i:back:")  # the first question
    for step in STEPS:
        await world.send_text(person.id, story.answers[step])
        done = await me.expect("i:back:")  # each answer is followed by the next question
    assert "i:done:" in " ".join(_buttons(done))
    if story.evidence:
        await world.send_photo(person.id, _picture(), caption="Tangkapan layar siaran")
        done = await me.expect("i:done:")
    await me.press(done, "i:done:")
    await me.press(await me.expect("i:anon:"), "i:anon:")
    await me.press(await me.expect("i:submit:"), "i:submit:")
    await me.expect("i:wipe:")


async def _card(world: SandboxTelegram, story: Story) -> dict:
    """The story's case card, in its own topic."""
    def find() -> dict | None:
        for topic in world.topics(STAFF_CHAT):
            for message in world.bot_messages(STAFF_CHAT, topic):
                if story.answers["what"] in (message.get("text") or "") and any(
                        d.startswith("c:") for d in _buttons(message)):
                    return message
        return None
    return await world.wait_for(find, WAIT)


async def file_stories(world: SandboxTelegram, reporters: tuple[Person, ...],
                       categories: tuple[str, ...]) -> None:
    """Each reporter files one story (at the same time, as people do); then staff act."""
    await asyncio.gather(*(file_story(world, person, story, categories)
                           for person, story in zip(reporters, STORIES, strict=True)))
    first, second = [await _card(world, story) for story in STORIES[:2]]
    officer = next(p for p in PEOPLE if p.role == "staff")
    await world.send_text(officer.id, QUESTION, chat_id=STAFF_CHAT,
                          reply_to=first["message_id"])
    await _Actor(world, officer, STAFF_CHAT).press(second, "c:verify:")
    await world.wait_for(lambda: any(QUESTION in (m.get("text") or "")
                                     for m in world.bot_messages(reporters[0].id)), WAIT)
