"""Build (or rebuild with --rebuild) the rollups of one or every project from raw events."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apimetrics import rollups
from apimetrics.models import Project

MAX_BATCH_HOURS = 24 * 365


class Command(BaseCommand):
    help = "Roll up raw API events into minute and hour rollups, with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("--project", help="Project key (default: every project).")
        parser.add_argument("--workspace", help="Workspace slug, to pick the project by key.")
        parser.add_argument("--rebuild", action="store_true", help="Drop the project's rollups and rebuild them.")
        parser.add_argument("--batch-hours", type=float, default=6.0, help="Hours per transaction (default 6).")

    def handle(self, *args, project=None, workspace=None, rebuild=False, batch_hours=6.0, **options):
        if not 0 < batch_hours <= MAX_BATCH_HOURS:  # NaN fails the comparison too
            raise CommandError(f"--batch-hours must be a number of hours above 0 and at most {MAX_BATCH_HOURS:,}.")
        projects = Project.objects.all()
        if project:
            projects = projects.filter(key=project)
        if workspace:
            projects = projects.filter(workspace__slug=workspace)
        projects = list(projects)
        if project and not projects:
            raise CommandError(f"No project {project!r}.")
        batch = dt.timedelta(hours=batch_hours)
        total_minutes = total_dirty = 0
        for item in projects:
            if rebuild:
                rollups.rollup_reset(project_id=item.pk)
            behind = rollups.minutes_behind(project_id=item.pk)
            with tqdm(total=behind, unit="min", desc=item.key, file=self.stdout) as bar:
                result = rollups.rollup_project(
                    project_id=item.pk,
                    batch=batch,
                    on_batch=lambda a, b: bar.update(int((b - a).total_seconds() // 60)),
                )
            total_minutes += result.minutes
            total_dirty += result.dirty_minutes
        self.stdout.write(
            self.style.SUCCESS(
                f"Rolled up {total_minutes:,} minutes and re-rolled {total_dirty:,} late minutes "
                f"in {len(projects)} project(s)."
            )
        )
