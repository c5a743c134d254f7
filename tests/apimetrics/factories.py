import datetime as dt

import factory

from apimetrics import keys, tracking
from apimetrics.models import ApiKey, Project, RequestEvent, RollupState
from tests.factories import WorkspaceFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"API {n}")
    key = factory.Sequence(lambda n: f"api-{n}")
    timezone = "UTC"

    @factory.post_generation
    def _state(obj, create, extracted, **kwargs):
        if create:
            RollupState.objects.get_or_create(project=obj)


def issue_key(project: Project, name: str = "Default") -> tuple[ApiKey, str]:
    issued = keys.api_key_create(project=project, name=name, user=None)
    return issued.api_key, issued.secret


def make_event(
    project: Project,
    when: dt.datetime,
    *,
    method="GET",
    endpoint="/items",
    status=200,
    ms=100.0,
    consumer="",
    path=None,
) -> RequestEvent:
    return RequestEvent(
        project=project,
        timestamp=when,
        method=method,
        path=path or endpoint,
        endpoint=endpoint,
        status_code=status,
        response_time_ms=ms,
        ip_hash=tracking.hash_ip("10.0.0.1"),
        user_agent="tests",
        consumer=consumer,
    )


def metric(name: str, project, period, *, refresh: bool = False, **params) -> dict:
    """The registered API-metrics insight ``name`` of ``project`` over ``period``."""
    from config.insights import get_insight

    insight = get_insight(f"apimetrics.{name}")
    return insight.run(project.workspace, {"project": project, "period": period, **params}, refresh=refresh).value
