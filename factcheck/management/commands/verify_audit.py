"""Prove the audit history intact: its keyed chain, its checkpoints and (--replay) the data."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from factcheck import checkpoints, replay


class Command(BaseCommand):
    help = (
        "Walk the keyed audit chain and compare it against every signed checkpoint; if all is "
        "well, append a checkpoint of its head. With --replay, also rebuild the claims from the "
        "events and report each row that disagrees. Exits non-zero naming each problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Append a signed checkpoint of the verified head (the default; run it from "
            "cron or a systemd timer). --no-checkpoint only reads.",
        )
        parser.add_argument(
            "--replay",
            action="store_true",
            help="Rebuild every claim's status, proposer, signer, span, rationale, "
            "attributions and evidence from the events and compare with the tables.",
        )

    def handle(self, **options):
        try:
            result = checkpoints.verify_and_record(record=options["checkpoint"])
        except IsADirectoryError as error:
            raise CommandError(
                f"The checkpoint store {error.filename} is a directory: set "
                "FACTCHECK_AUDIT_CHECKPOINTS to a file (such as "
                f"{error.filename}/audit-checkpoints.jsonl), then run verify_audit again."
            ) from error
        except OSError as error:
            raise CommandError(
                f"The checkpoint store {error.filename} cannot be read or written "
                f"({error.strerror}): give the account that runs verify_audit read and append "
                "access to it, or set FACTCHECK_AUDIT_CHECKPOINTS to a file it may write."
            ) from error
        problems = list(result.problems)
        disagreements = replay.replay() if options["replay"] else []
        problems.extend(str(d) for d in disagreements[: checkpoints.MAX_PROBLEMS])
        if len(disagreements) > checkpoints.MAX_PROBLEMS:
            more = len(disagreements) - checkpoints.MAX_PROBLEMS
            problems.append(f"…and {more} more row(s) that disagree with the history.")
        if problems:
            raise CommandError("\n".join(problems))
        path = checkpoints.checkpoint_path()
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {result.count} event(s) verified.")
        )
        self.stdout.write(f"Compared against {result.checkpoints} checkpoint(s) in {path}.")
        if options["checkpoint"]:
            head = f"event #{result.head_id}" if result.head_id is not None else "empty chain"
            self.stdout.write(f"Checkpoint recorded: {head}, {result.count} event(s).")
        if options["replay"]:
            self.stdout.write(self.style.SUCCESS("Replay: every claim agrees with its history."))
