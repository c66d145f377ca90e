-- Wrong codes and tokens per client address, and the addresses locked out
-- for them; in step with sqlite/0009_lockouts.sql.

CREATE TABLE address_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope TEXT NOT NULL,
    address TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE INDEX address_failures_by_address ON address_failures (scope, address, at);
CREATE INDEX address_failures_by_age ON address_failures (at);

CREATE TABLE address_locks (
    scope TEXT NOT NULL,
    address TEXT NOT NULL,
    locked_until BIGINT NOT NULL,
    PRIMARY KEY (scope, address)
);
