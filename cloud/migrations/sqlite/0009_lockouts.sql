-- Wrong codes and tokens per client address (activation codes, casting
-- codes, the control page's admin token), and the addresses locked out for
-- them: in the store, so that every cloud node counts the same failures and
-- honours the same locks. `scope` names what was guessed.

CREATE TABLE address_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    address TEXT NOT NULL,
    at INTEGER NOT NULL
);

CREATE INDEX address_failures_by_address ON address_failures (scope, address, at);
CREATE INDEX address_failures_by_age ON address_failures (at);

CREATE TABLE address_locks (
    scope TEXT NOT NULL,
    address TEXT NOT NULL,
    locked_until INTEGER NOT NULL,
    PRIMARY KEY (scope, address)
);
