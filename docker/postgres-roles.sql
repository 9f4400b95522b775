-- Run once by the postgres image when its data directory is first created (docker-entrypoint-initdb.d).
-- Two logins: prod_access_owner owns the database and runs the migrations (MIGRATION_DATABASE_URL);
-- prod_access_app is what the app logs in as (DATABASE_URL). The migrations grant prod_access_app what the
-- app needs and nothing more: on audit rows, SELECT and INSERT only. Change both passwords for real use.
CREATE ROLE prod_access_owner LOGIN PASSWORD 'owner-password-change-me';
CREATE ROLE prod_access_app LOGIN PASSWORD 'app-password-change-me';
ALTER DATABASE prod_access OWNER TO prod_access_owner;
