"""When a handler fails: the user gets a short reference, the log gets the traceback."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

import discord

from bot.safety import NO_PINGS

log = logging.getLogger(__name__)


def new_ref() -> str:
    """A short code a user can quote and a maintainer can find in the logs."""
    return secrets.token_hex(4)


async def report_failure(interaction: discord.Interaction, error: BaseException) -> None:
    ref = new_ref()
    log.error(
        "handler failed (ref %s, interaction %s)",
        ref,
        interaction.id,
        exc_info=error,
        extra={"ref": ref, "interaction_id": interaction.id},
    )
    text = f"Sorry, something went wrong (ref `{ref}`). The maintainers can look it up."
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not tell the user about failure %s", ref, extra={"ref": ref})


@contextlib.asynccontextmanager
async def guarded(interaction: discord.Interaction) -> AsyncIterator[None]:
    """Run a component or command body so that any exception becomes a ref-coded reply.

    discord.py logs and drops exceptions from dynamic components, which would leave the
    user looking at "This interaction failed"; this tells them something useful instead.
    """
    try:
        yield
    except Exception as error:
        await report_failure(interaction, error)
