from django.conf import settings
from django.db import transaction
from django.shortcuts import render

from catalog import selectors


@transaction.non_atomic_requests
def menu(request):
    """The public menu: promotions live now, then each type with its products and options."""
    context = {
        "menu": selectors.menu(),
        "currency": getattr(settings, "CATALOG_CURRENCY_SYMBOL", "£"),
        "currency_name": getattr(settings, "CATALOG_CURRENCY_NAME", "pounds sterling"),
    }
    return render(request, "catalog/menu.html", context)
