"""A local Slack for tests and ``sherpa demo``: Web API server, request signer, recorder."""

from slack_emulator.actor import Actor, ActorResult
from slack_emulator.emulator import Emulator
from slack_emulator.errors import ApiError
from slack_emulator.faults import Fault, Faults
from slack_emulator.interactions import ResponsePost
from slack_emulator.recording import Call
from slack_emulator.store import Share, StoredFile
from slack_emulator.workspace import Bot, Channel, Team, User, Workspace

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
