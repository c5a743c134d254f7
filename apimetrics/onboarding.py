"""The API-metrics part of a new workspace's next steps (:mod:`config.onboarding`)."""

from apimetrics.models import Project
from config.onboarding import Step

STEP = Step(
    app="apimetrics",
    order=30,
    title="Create an API project",
    text="Get a key and send your API's requests to see their volume, errors and latency.",
    url_names=("apimetrics:project-new", "apimetrics:projects"),
    done=lambda workspace: Project.objects.filter(workspace=workspace).exists(),
)
