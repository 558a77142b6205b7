-- +goose Up
-- A session row names its signed-in accounts, so the session, both accounts, the customer and its plan load in one
-- statement per request (handlers/sessions.go). No foreign keys: a deleted account simply no longer joins, and the
-- session is then treated as signed out.
ALTER TABLE sessions ADD COLUMN acting_id bigint, ADD COLUMN effective_id bigint;

-- +goose Down
ALTER TABLE sessions DROP COLUMN acting_id, DROP COLUMN effective_id;
