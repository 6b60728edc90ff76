"""App Home for admins: the switch at its top, the first run, and the Admin view itself
(every account with its score, people, channel, phase and governance, page by page)."""

from __future__ import annotations

from collections.abc import Collection

from bot.views.admin.common import AdminAction
from bot.views.channels import where
from bot.views.kit import Block, actions, button, context, divider, escape, header, section
from bot.views.scorecard.common import DOT
from engagement.portfolio.editing import AccountPage, AdminAccount


def _person(ref: str | None) -> str:
    if not ref:
        return "nobody"
    return f"<@{ref}>" if "@" not in ref else escape(ref)


def admins_line(admins: Collection[str]) -> str:
    if not admins:
        return "Sherpa has no admins yet: they are named in its `SHERPA_ADMINS` setting."
    return "Sherpa's admins: " + ", ".join(f"<@{user}>" for user in sorted(admins)) + "."


def top_blocks(
    *, is_admin: bool, first_run: bool, known: bool, admins: Collection[str]
) -> list[Block]:
    """The top of a person's App Home: an admin's switch to the Admin view (or, with no
    portfolio yet, the way to the first account); for someone Sherpa does not know yet,
    who can add them."""
    if is_admin and first_run:
        return [
            section(
                ":wave: *Welcome to Sherpa.* There is no portfolio yet: start with your first "
                "account. Give its name, its SAM, its sponsors, its channel, and the channel "
                "for the weekly digest. Sherpa then introduces itself to the SAM and the "
                "sponsors, and their check-ins begin on the account's cadence.",
                block_id="admin_welcome",
            ),
            actions(
                button("Add the first account", AdminAction.ADD_ACCOUNT, "1", style="primary"),
                button("Admin view", AdminAction.VIEW, "1"),
                block_id="admin_first_run",
            ),
        ]
    if is_admin:
        return [actions(button("Admin view", AdminAction.VIEW, "1"), block_id="admin_switch")]
    if not known:
        return [
            section(
                "You are not a sponsor or SAM of any account yet. "
                f"{admins_line(admins)} Ask one of them to add you.",
                block_id="admin_who",
            )
        ]
    return []


def _account_line(account: AdminAccount) -> Block:
    score = "–" if account.score is None else str(account.score)
    sponsors = ", ".join(_person(ref) for ref in account.sponsors) or "none"
    channel = where(account.channel) if account.channel else "no channel"
    return section(
        f"*{escape(account.name)}*  {DOT[account.status]} {score} · {account.phase} · "
        f"{account.governance} · {account.cadence} check-ins\n"
        f"SAM {_person(account.sam)} · sponsors {sponsors} · {channel}",
        block_id=f"admin_account:{account.id}",
        accessory=button("Edit", AdminAction.EDIT_ACCOUNT, str(account.id)),
    )


def admin_view(page: AccountPage) -> Block:
    """The Admin view of App Home: at most 4 + ACCOUNT_PAGE + 1 blocks."""
    blocks: list[Block] = [
        header("Sherpa · Admin"),
        actions(
            button("Add account", AdminAction.ADD_ACCOUNT, str(page.page), style="primary"),
            button("Scorecard", AdminAction.SCORECARD, str(page.page)),
            button("Admins", AdminAction.ADMINS, str(page.page)),
            button("Audit log", AdminAction.AUDIT),
            button("My Home", AdminAction.MY_HOME),
            block_id="admin_tools",
        ),
        divider(),
    ]
    if not page.total:
        blocks.append(
            section(
                "No accounts yet. *Add account* sets up the first one; the portfolio file "
                "(`sherpa import`) works too.",
                block_id="admin_empty",
            )
        )
        return {"type": "home", "blocks": blocks, "private_metadata": "1"}
    shown = f"page {page.page} of {page.pages}" if page.pages > 1 else "all shown"
    blocks.append(context(f"{page.total} accounts, by name · {shown}"))
    blocks += [_account_line(account) for account in page.accounts]
    turns = []
    if page.page > 1:
        turns.append(button("Previous", AdminAction.PREVIOUS, str(page.page - 1)))
    if page.page < page.pages:
        turns.append(button("Next", AdminAction.NEXT, str(page.page + 1)))
    if turns:
        blocks.append(actions(*turns, block_id="admin_pages"))
    return {"type": "home", "blocks": blocks, "private_metadata": str(page.page)}
