"""People acting through the sandbox page, as a tester would with a mouse and keyboard. Every
step waits for what it needs to see (Playwright's auto-waiting); nothing sleeps."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

TICKET = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
CASE_NUMBER = re.compile(r"\bWBS-\d{4}-\d{4,}\b")
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)


class Pane:
    """The reporter's phone ("phone") or the staff group ("staff") on the page."""

    def __init__(self, page: Page, name: str) -> None:
        self.page, self.name = page, name
        page.set_default_timeout(WAIT_MS)

    @property
    def messages(self) -> Locator:
        return self.page.locator(f"#{self.name}-messages > li.msg")

    def bot_message(self, contains: str) -> Locator:
        return self.page.locator(f"#{self.name}-messages > li.bot").filter(has_text=contains).last

    async def say(self, text: str) -> None:
        """Type a message and send it with Enter; returns once it shows in the chat."""
        box = self.page.locator(f"#{self.name}-composer textarea")
        await box.fill(text)
        await box.press("Enter")
        await expect(self.page.locator(f"#{self.name}-messages > li.out").last).to_contain_text(
            text.splitlines()[0][:60])

    async def press(self, prefix: str, nth: int = 0) -> None:
        """Press a button of the newest message, the one whose data starts with `prefix`."""
        await self.page.locator(f"#{self.name}-messages > li:last-child "
                                f"button[data-data^='{prefix}']").nth(nth).click()

    async def press_newest(self, prefix: str) -> None:
        """Press the newest button with this data anywhere in the chat (a live card's)."""
        await self.page.locator(f"#{self.name}-messages button[data-data^='{prefix}']").last.click()

    async def expect_bot(self, contains: str) -> Locator:
        message = self.bot_message(contains)
        await expect(message).to_be_visible()
        return message

    async def reply_to(self, message: Locator) -> None:
        await message.locator(".reply-button").click()
        await expect(self.page.locator(f"#{self.name}-composer .replying")).to_be_visible()

    async def send_file(self, name: str, mime: str, data: bytes, kind: str = "auto") -> None:
        composer = self.page.locator(f"#{self.name}-composer")
        mine = self.page.locator(f"#{self.name}-messages > li.out .media")
        before = await mine.count()
        await composer.locator("select.kind").select_option(kind)
        await composer.locator("input[type=file]").set_input_files(
            files=[{"name": name, "mimeType": mime, "buffer": data}])
        await expect(mine).to_have_count(before + 1)


async def file_report(phone: Pane, answers: dict[str, str], *, category: int = 0,
                      files: tuple[tuple[str, str, bytes, str], ...] = ()) -> str:
    """Walk the whole report on the phone; returns the ticket code shown at the end."""
    await phone.say("/lapor")
    await phone.press("i:cat:", category)
    last = phone.page.locator("#phone-messages > li:last-child")
    # Each answer is followed by the next question, which says where the reporter is: wait for
    # it before answering (the category's question is step 1, "what" is step 2).
    for number, step in enumerate(("what", "who", "when", "where", "how"), start=2):
        await expect(last).to_contain_text(re.compile(rf"(Langkah|Step) {number} (dari|of) 8"))
        await phone.say(answers[step])
    await expect(last).to_contain_text(re.compile(r"(Langkah|Step) 7 (dari|of) 8"))
    for name, mime, data, kind in files:
        await phone.send_file(name, mime, data, kind)
    await phone.press("i:done:")
    await phone.press("i:anon:")
    await phone.press("i:submit:")
    done = phone.page.locator("#phone-messages > li:last-child").filter(
        has=phone.page.locator("button[data-data^='i:wipe:']"))
    match = TICKET.search(await done.inner_text())
    assert match, await done.inner_text()
    return match.group(0)


async def open_topic(page: Page, contains: str) -> None:
    await page.locator("#topics button").filter(has_text=contains).first.click()
    await expect(page.locator("#topic-title")).to_contain_text(contains)
