"""The sales part of a new workspace's next steps (:mod:`config.onboarding`)."""

from config.onboarding import Step
from sales.models import Store

STEP = Step(
    app="sales",
    order=20,
    title="Add a store",
    text="Then record its daily revenue and ad spend to follow ROAS and your top sellers.",
    url_names=("sales:stores", "sales:dashboard"),
    done=lambda workspace: Store.objects.filter(workspace=workspace).exists(),
)
