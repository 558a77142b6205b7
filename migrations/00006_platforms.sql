-- +goose Up
-- Drift: an admin may also push the portal's values back to ISPConfig.
ALTER TABLE drift_items DROP CONSTRAINT drift_items_resolution_check;
ALTER TABLE drift_items ADD CONSTRAINT drift_items_resolution_check CHECK (resolution IN ('adopted', 'forgotten', 'gone', 'pushed'));

-- The applying state (internal/store/queues.go explains the scheme): when each object's last confirmed write
-- happened, and what each server's job queue was last seen holding.
CREATE TABLE object_writes (
	kind       text NOT NULL,
	object_id  bigint NOT NULL,
	written_at timestamptz NOT NULL,
	PRIMARY KEY (kind, object_id)
);
CREATE TABLE server_queues (
	platform_id bigint NOT NULL REFERENCES platforms (id),
	server_id   integer NOT NULL CHECK (server_id > 0),
	observed_at timestamptz, -- when the last successful read was sent
	pending     integer,     -- what it answered
	empty_at    timestamptz, -- when the last read that found the queue empty was sent
	error       text NOT NULL DEFAULT '', -- why the last read failed ('' when it worked)
	PRIMARY KEY (platform_id, server_id)
);

-- +goose Down
DROP TABLE server_queues;
DROP TABLE object_writes;
UPDATE drift_items SET resolution = 'adopted' WHERE resolution = 'pushed';
ALTER TABLE drift_items DROP CONSTRAINT drift_items_resolution_check;
ALTER TABLE drift_items ADD CONSTRAINT drift_items_resolution_check CHECK (resolution IN ('adopted', 'forgotten', 'gone'));
