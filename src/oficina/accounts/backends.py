"""The password backend: Django's ModelBackend, with the signed-in user loaded by a query compiled once.

Every signed-in request loads its user (AuthenticationMiddleware). Through the ORM that cost 0.4 ms of
CPU, three quarters of it building the same SQL again; a citizen's page costs about 3 ms in all, so
this lookup was the largest single part after the template. The query is still the ORM's own (compiled
from `User._default_manager` per database, so it follows the model and the database's quoting), only
not rebuilt each time; the row becomes a `User` through `Model.from_db`, as the ORM does.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from oficina.accounts.models import User


class PasswordBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class _Lookup(NamedTuple):
    sql: str  # one parameter: the primary key
    attnames: list[str]  # of the selected columns, in order
    converters: dict[int, tuple[list[Any], Any]]  # column → the database's value converters (as the ORM's)


_compiled: dict[str, _Lookup] = {}  # by database alias


def user_by_pk(user_id: Any) -> User | None:
    """The user with primary key `user_id` (as stored in a session: a string), or None."""
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    alias = router.db_for_read(User)
    if alias not in _compiled:
        _compiled[alias] = _compile(alias)
    lookup = _compiled[alias]
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(lookup.sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for position, (converters, expression) in lookup.converters.items():  # e.g. SQLite's text → datetime
        for converter in converters:
            values[position] = converter(values[position], expression, connection)
    return User.from_db(alias, lookup.attnames, values)


def _compile(alias: str) -> _Lookup:
    compiler = User._default_manager.filter(pk=0).query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if list(params) != [0]:  # the primary key must be the only parameter, or this query is not ours
        raise RuntimeError(f"unexpected parameters compiling the user lookup: {params!r}")
    columns = [column for column, _sql, _alias in compiler.select]
    return _Lookup(sql, [column.target.attname for column in columns], compiler.get_converters(columns))
