-- The (username, client address) pairs that signed in successfully: a client the owner
-- has used before is not locked out by failures from elsewhere (OWASP's "device cookie"
-- idea, keyed on the address). Subjects are SHA-256 hashes, as in login_failures.
CREATE TABLE login_known_clients (
    subject         TEXT PRIMARY KEY,
    last_success_at TIMESTAMP NOT NULL
);
