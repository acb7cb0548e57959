-- Run once by the postgres image when the volume is new. The app's timeouts, which it cannot send as
-- startup parameters through PgBouncer in transaction mode (DATABASE_POOLER=transaction).
alter database billing set statement_timeout = '5s';
alter database billing set idle_in_transaction_session_timeout = '10s';
