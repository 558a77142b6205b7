-- +goose Up
-- An account may choose the portal's language; NULL follows the browser (Accept-Language). Mail to the account
-- goes out in its choice, else English.
ALTER TABLE accounts ADD COLUMN language TEXT CHECK (language IN ('en', 'de'));

-- +goose Down
ALTER TABLE accounts DROP COLUMN language;
