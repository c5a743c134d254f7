"""``{% onboarding_steps workspace ["app" …] as onboarding %}``: the next steps of
:mod:`config.onboarding` (every app's, or those of the apps named) for a page's empty state."""

from typing import Any

from django import template

from config import onboarding

register = template.Library()


@register.simple_tag
def onboarding_steps(workspace: Any, *apps: str) -> dict[str, Any]:
    """The steps, each with whether ``workspace`` took it (one EXISTS query each), and whether
    it took none of them (``empty``). No workspace (a template's missing value is ``""``): none."""
    chosen = [step for step in onboarding.steps() if not apps or step.app in apps] if workspace else []
    steps = [
        {"app": step.app, "title": step.title, "text": step.text, "url": step.url, "done": step.done(workspace)}
        for step in chosen
    ]
    return {"steps": steps, "empty": bool(steps) and not any(step["done"] for step in steps)}
