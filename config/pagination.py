from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (1 to 500)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


if TYPE_CHECKING:  # Django's Paginator is generic in its stubs only
    _ModelPaginator = Paginator[Model]
else:
    _ModelPaginator = Paginator


class EstimatedCountPaginator(_ModelPaginator):
    """The admin's paginator for tables of millions of rows. An unfiltered list on PostgreSQL
    takes the planner's estimate of the table's rows (``pg_class.reltuples``, kept by ANALYZE;
    for a partitioned table the sum over its leaf partitions) instead of a ``COUNT(*)`` over the
    whole table on every page. A filtered list, a table with a leaf that holds pages but was
    never analysed, and other databases are counted exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):  # the admin passes querysets; a list counts itself
            return super().count
        db = connections[queryset.db]
        if db.vendor == "postgresql" and not queryset.query.where:
            with db.cursor() as cursor:
                # The plain table, or the leaves of the partitioned one. A table never analysed
                # has reltuples -1 (PostgreSQL 14+): nothing when it has no page, unknown otherwise.
                table = queryset.model._meta.db_table
                cursor.execute(
                    "SELECT SUM(GREATEST(reltuples, 0))::bigint, bool_or(reltuples < 0 AND relpages > 0) "
                    "FROM pg_class WHERE (oid = %s::regclass AND relkind = 'r') "
                    "OR oid IN (SELECT relid FROM pg_partition_tree(%s::regclass) WHERE isleaf)",
                    [table, table],
                )
                estimate, unknown = cursor.fetchone()
            if estimate and not unknown:  # 0 before the first ANALYZE of a plain table, too
                return int(estimate)
        return super().count


class LargeTableAdmin:
    """For the admin of a table of millions of rows: no COUNT(*) over the whole table, neither
    the full result count, nor the page count of an unfiltered list (:class:`EstimatedCountPaginator`),
    nor the filters' "Show counts" (one COUNT per choice); and a date hierarchy whose choices come
    from the list's first and last dates (``config/templatetags/large_tables.py``)."""

    change_list_template = "admin/large_change_list.html"
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
