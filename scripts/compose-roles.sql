-- compose.yml: the runtime role (SPEC G21). The schema owner is POSTGRES_USER; it runs
-- `scout migrate --grant scout_app`, which gives this role what the runtime needs and
-- no UPDATE, DELETE, TRUNCATE or DDL on the provenance log. Change the password.
CREATE ROLE scout_app LOGIN PASSWORD 'scout_app';
