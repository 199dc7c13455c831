"""Count the database queries of each request, for the benchmark to read."""

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

QUERIES_HEADER = "X-Benchmark-Queries"


def count_queries(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., Any]:
    """Outermost middleware: every query of the request, the session's included."""

    def middleware(request: HttpRequest) -> HttpResponse:
        queries = 0

        def counted(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
            nonlocal queries
            queries += 1
            return execute(sql, *args)

        with connection.execute_wrapper(counted):
            response = get_response(request)
        response[QUERIES_HEADER] = str(queries)
        return response

    return middleware
