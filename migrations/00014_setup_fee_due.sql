-- +goose Up
-- A subscription the billing run gives to a customer that existed before billing did owes no setup fee: that
-- customer was set up long ago. Subscriptions made when a customer is created (and those already billed) owe it on
-- their first invoice as before.
ALTER TABLE subscriptions ADD COLUMN setup_fee_due boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN setup_fee_due;
