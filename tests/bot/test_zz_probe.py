import logging
from discord_double import DiscordDouble
from bot.client import FaqBot


async def test_probe(bot: FaqBot, discord_double: DiscordDouble, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    await discord_double.user_message("what is the tsubame project", mention_bot=True)
    r = await discord_double.wait_for_request("POST", "/channels/{channel_id}/messages")
    print(r.body)
    for rec in caplog.records:
        if rec.levelno >= logging.WARNING:
            print("LOG", rec.levelname, rec.name, rec.getMessage())
    put = [x for x in discord_double.requests if x.method == "PUT"]
    import json

    for x in put:
        print(x.path)
        for c in x.body:
            print(json.dumps(c)[-300:])
    print(discord_double.identifies)
