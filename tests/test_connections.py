"""A worker keeps its database connection from one request to the next."""

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_connection_from_one_request_to_the_next(alice_client: Client) -> None:
    """On SQLite and on PostgreSQL the next request runs its queries on the
    connection the last one opened: no new connection and no pool to borrow
    one from. (Django's test client leaves out what a server does at the end of
    a request and at the start of the next; the test does that itself.)"""
    assert alice_client.get("/").status_code == 200
    kept = connection.connection
    assert kept is not None
    close_old_connections()  # the end of the request
    close_old_connections()  # the start of the next one
    assert alice_client.get("/").status_code == 200
    assert connection.connection is kept


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server that drops connections")
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_fails_one_request_then_a_new_one_is_opened(
    alice_client: Client,
) -> None:
    """No health check before each request (it would cost a round trip): a
    connection PostgreSQL has dropped, as on a restart, fails the one request
    that finds out, and the next request has a new connection."""
    assert alice_client.get("/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (dropped,) = cursor.fetchone()
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [dropped])
    alice_client.raise_request_exception = False
    close_old_connections()
    assert alice_client.get("/").status_code == 500
    close_old_connections()
    close_old_connections()
    assert alice_client.get("/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != dropped
