from __future__ import annotations

import pytest

from tests.pg import PG_BIN_ENV, find_pg_bin, postgres_cluster, postgres_url, start_cluster  # noqa: F401

sqlalchemy = pytest.importorskip("sqlalchemy")


def test_round_trip_through_postgres(postgres_url: str):  # noqa: F811
    from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

    assert postgres_url.startswith("postgresql+psycopg://")
    engine = create_engine(postgres_url)
    metadata = MetaData()
    table = Table("annotation", metadata, Column("id", Integer, primary_key=True), Column("labels", String))
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(insert(table), [{"id": 1, "labels": "hedging"}, {"id": 2, "labels": "ü, none"}])
        with engine.connect() as connection:
            rows = connection.execute(select(table.c.id, table.c.labels).order_by(table.c.id)).all()
            version = connection.exec_driver_sql("select current_setting('server_version_num')::int").scalar()
        assert [tuple(r) for r in rows] == [(1, "hedging"), (2, "ü, none")]
        assert version >= 120000
    finally:
        engine.dispose()


def test_separate_databases_and_socket_url(postgres_cluster):  # noqa: F811
    from sqlalchemy import create_engine, inspect

    other = postgres_cluster.create_database("isolated")
    for url in (other, postgres_cluster.socket_url("isolated")):
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("select current_database()").scalar() == "isolated"
            assert inspect(engine).get_table_names() == []  # the other test's table lives elsewhere
        finally:
            engine.dispose()


def test_missing_binaries_skip_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv(PG_BIN_ENV, str(tmp_path))
    assert find_pg_bin() is None
    with pytest.raises(pytest.skip.Exception, match="install-postgres.sh"):
        start_cluster()
