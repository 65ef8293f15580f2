"""The sandbox: the real Peluit against an embedded stand-in Bot API, driven from a web page.

`peluit sandbox` (and `bash scripts/run` with no bot token) starts it on 127.0.0.1. Nothing in it
reaches Telegram: the bot talks to the embedded Bot API (`sandbox.botapi`), the page acts as the
people (`sandbox.people`) and shows what they see (`sandbox.view`).

    botapi    the embedded Bot API server, strict as Telegram (the tests run Peluit against it too)
    world     that server, plus what the page needs: a change signal, reply prompts, notices
    cast      the people and the staff group of a sandbox world
    people    what a person does on the page: write, send a file, press, reply
    view      the world as the page shows it (JSON)
    session   one world and one Peluit run on it, with a throwaway data dir; reset, clock
    seed      a few realistic cases filed through the real bot
    web       the page's JSON API and static files (aiohttp)
    guard     what must hold before the sandbox starts (no real Telegram, loopback only)
    main      `peluit sandbox`: the banner, the loop, the shutdown
"""
