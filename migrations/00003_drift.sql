-- +goose Up
-- Differences between the portal's records and ISPConfig, found by the drift check. Nothing is ever changed by
-- the check itself: an admin adopts (the portal takes ISPConfig's version) or forgets (ignore it from now on).
CREATE TABLE drift_items (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	platform_id bigint NOT NULL REFERENCES platforms (id),
	customer_id bigint REFERENCES customers (id),
	kind        text NOT NULL,
	our_id      bigint,
	isp_id      bigint,
	problem     text NOT NULL CHECK (problem IN ('missing_upstream', 'missing_locally', 'changed')),
	detail      text NOT NULL DEFAULT '',
	upstream    jsonb NOT NULL DEFAULT '{}',
	found_at    timestamptz NOT NULL DEFAULT now(),
	resolved_at timestamptz,
	resolution  text CHECK (resolution IN ('adopted', 'forgotten', 'gone'))
);
-- One open or forgotten item per difference; a forgotten one keeps the same difference from being reported again.
CREATE UNIQUE INDEX drift_items_key ON drift_items (platform_id, kind, coalesce(our_id, 0), coalesce(isp_id, 0), problem)
	WHERE resolution IS NULL OR resolution = 'forgotten';
CREATE INDEX drift_items_open_idx ON drift_items (found_at DESC) WHERE resolved_at IS NULL;

-- +goose Down
DROP TABLE drift_items;
