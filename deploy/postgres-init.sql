-- compose.yaml: PostgreSQL starts with the `airfield` database (POSTGRES_DB); the bot's
-- replicas keep their state in a database of their own.
CREATE DATABASE airplane_bot;
