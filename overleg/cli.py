"""flask --app overleg <command>: every feature's commands, registered in one place."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """A new command (group) adds its line here."""
    from overleg.auth.commands import users_group
    from overleg.dataio.commands import backup_command
    from overleg.demo.platform import demo_data_command
    from overleg.directory.commands import municipalities_group, seed_command
    from overleg.mail.commands import outbox_group
    from overleg.meetings.commands import reminders_group
    from overleg.meetings.reply_commands import replies_group
    from overleg.planning.commands import plan_command
    from overleg.platforms.commands import platform_group
    from overleg.worker.commands import worker_command

    for command in (
        seed_command,
        municipalities_group,
        platform_group,
        demo_data_command,
        plan_command,
        outbox_group,
        reminders_group,
        replies_group,
        backup_command,
        users_group,
        worker_command,
    ):
        app.cli.add_command(command)
