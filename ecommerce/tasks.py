from celery import shared_task
from django.db import InterfaceError, OperationalError

from ecommerce.models import ImportJob


@shared_task(
    bind=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=20 * 60,
    time_limit=22 * 60,
    acks_late=True,
)
def import_orders(self, job_id: int) -> str:
    """Run one import job (idempotent: a finished job is left as it is)."""
    from ecommerce import services

    job = ImportJob.objects.select_related("workspace").filter(pk=job_id).first()
    if job is None:
        return "missing"
    try:
        job = services.import_job_run(job=job)
    except (OperationalError, InterfaceError):
        if self.request.retries >= self.max_retries:
            services.import_job_fail(job=job, code="database_unavailable", message="The database could not be reached.")
        raise
    return job.status
