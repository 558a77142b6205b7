-- +goose Up
-- The customers on a plan: a plan's in-use count (store.Plans.InUse), the over-limits refresh when a plan's limits
-- change (migration 00018's plans trigger), and the foreign key's check when a plan is deleted each read every
-- customer without it.
CREATE INDEX customers_plan_idx ON customers (plan_id);

-- +goose Down
DROP INDEX customers_plan_idx;
