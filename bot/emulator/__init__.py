"""A local Slack for tests and ``sherpa demo``: Web API server, request signer, recorder."""

from bot.emulator.actor import Actor, ActorResult
from bot.emulator.emulator import Emulator
from bot.emulator.errors import ApiError
from bot.emulator.faults import Fault, Faults
from bot.emulator.interactions import ResponsePost
from bot.emulator.recording import Call
from bot.emulator.store import Share, StoredFile
from bot.emulator.workspace import Bot, Channel, Team, User, Workspace

__all__ = [
    "Actor",
    "ActorResult",
    "ApiError",
    "Bot",
    "Call",
    "Channel",
    "Emulator",
    "Fault",
    "Faults",
    "ResponsePost",
    "Share",
    "StoredFile",
    "Team",
    "User",
    "Workspace",
]
