"""Demo data of the catalog: the coffee-shop menu (one for the installation, not per workspace)."""

import io

from django.core.management import call_command


def load(*, workspace, user, stdout) -> str:
    out = io.StringIO()
    call_command("seed_catalog", stdout=out, no_color=True)
    return out.getvalue().strip().splitlines()[-1].removeprefix("Catalog seeded: ")
