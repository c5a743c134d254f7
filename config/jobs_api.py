"""Staff API and admin page for the scheduled jobs (see :mod:`config.jobs`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import jobs
from config.errors import Conflict
from config.pagination import PagePagination


# Read with many=True, which the stubs do not model: Any stands for a list of Jobs as dicts.
class JobSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    task = serializers.CharField()
    schedule = serializers.CharField(help_text="Cron fields (m h dom mon dow) or an interval.")
    enabled = serializers.BooleanField()
    registered = serializers.BooleanField(help_text="False when no worker code defines the task.")
    in_database = serializers.BooleanField(help_text="False until beat or sync_beat_schedule stored it.")
    args = serializers.ListField(child=serializers.JSONField())
    kwargs = serializers.DictField(child=serializers.JSONField())
    last_run_at = serializers.DateTimeField(allow_null=True)
    last_status = serializers.CharField(allow_null=True, help_text="STARTED, SUCCESS, FAILURE, RETRY…")
    last_duration_ms = serializers.FloatField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    total_run_count = serializers.IntegerField()


class JobRunSerializer(serializers.Serializer[dict[str, str]]):
    job = serializers.CharField()
    task = serializers.CharField()
    task_id = serializers.CharField()


class FailureSerializer(serializers.Serializer[Any]):  # many=True over TaskResult rows
    task_id = serializers.CharField()
    task_name = serializers.CharField(allow_null=True)
    job = serializers.CharField(source="periodic_task_name", allow_null=True)
    task_args = serializers.CharField(allow_null=True)
    error = serializers.CharField(source="result", allow_null=True)
    traceback = serializers.CharField(allow_null=True)
    worker = serializers.CharField(allow_null=True)
    date_done = serializers.DateTimeField()


class JobListView(APIView):
    dangerously_unscoped = "staff only: the installation's jobs, no workspace's data"
    permission_classes = [permissions.IsAdminUser]
    pagination_class = PagePagination

    @extend_schema(summary="Scheduled jobs (staff)", tags=["jobs"], responses=JobSerializer(many=True))
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset([asdict(job) for job in jobs.scheduled_jobs()], request, view=self)
        return paginator.get_paginated_response(JobSerializer(page, many=True).data)


class JobRunView(APIView):
    dangerously_unscoped = "staff only: the installation's jobs, no workspace's data"
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        summary="Run a scheduled job now (staff)",
        tags=["jobs"],
        request=None,
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH)],
        responses={202: JobRunSerializer},
    )
    def post(self, request: Request, name: str) -> Response:
        job = jobs.job_by_name(name)
        if job is None:
            raise NotFound(f"No scheduled job is named {name!r}.")
        if not job.registered:
            raise Conflict(f"The task {job.task!r} of job {name!r} is not registered with Celery.")
        task_id = jobs.run_job_now(job)
        return Response({"job": job.name, "task": job.task, "task_id": task_id}, status=status.HTTP_202_ACCEPTED)


class FailureListView(APIView):
    """The dead-letter list: tasks that failed after their retries, newest first."""

    dangerously_unscoped = "staff only: the installation's jobs, no workspace's data"
    permission_classes = [permissions.IsAdminUser]
    pagination_class = PagePagination

    @extend_schema(
        summary="Failed tasks, the dead-letter list (staff)", tags=["jobs"], responses=FailureSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(jobs.dead_letters(limit=1000), request, view=self)
        return paginator.get_paginated_response(FailureSerializer(page, many=True).data)


@require_http_methods(["GET", "POST"])
def admin_jobs_view(request: HttpRequest) -> HttpResponse:
    """/admin/jobs/: the same list as the API, with a "run now" button per job."""
    if request.method == "POST":
        job = jobs.job_by_name(request.POST.get("name", ""))
        if job is None or not job.registered:
            messages.error(request, "That job does not exist or its task is not registered.")
        else:
            task_id = jobs.run_job_now(job)
            messages.success(request, f"{job.name} sent (task {task_id}).")
        return redirect("admin-jobs")
    context = {
        **admin.site.each_context(request),
        "title": "Scheduled jobs",
        "jobs": jobs.scheduled_jobs(),
        "failures": jobs.dead_letters(limit=20),
    }
    return TemplateResponse(request, "admin/jobs.html", context)
