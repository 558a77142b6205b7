-- +goose Up
-- Drift: an admin may also push the portal's values back to ISPConfig.
ALTER TABLE drift_items DROP CONSTRAINT drift_items_resolution_check;
ALTER TABLE drift_items ADD CONSTRAINT drift_items_resolution_check CHECK (resolution IN ('adopted', 'forgotten', 'gone', 'pushed'));

-- +goose Down
UPDATE drift_items SET resolution = 'adopted' WHERE resolution = 'pushed';
ALTER TABLE drift_items DROP CONSTRAINT drift_items_resolution_check;
ALTER TABLE drift_items ADD CONSTRAINT drift_items_resolution_check CHECK (resolution IN ('adopted', 'forgotten', 'gone'));
