"""The e-commerce part of a new workspace's next steps (:mod:`config.onboarding`)."""

from config.onboarding import Step
from ecommerce.models import SalesLine

STEP = Step(
    app="ecommerce",
    order=10,
    title="Upload your orders",
    text="A CSV, CSV.GZ or XLSX file of your shop's invoice lines, in the Online Retail layout.",
    url_names=("ecommerce:imports",),
    done=lambda workspace: SalesLine.objects.filter(workspace=workspace).exists(),
)
