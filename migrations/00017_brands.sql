-- +goose Up
-- Branding: the operator's look (owner_id NULL, one row, "Portal" until an admin changes it) and each reseller's
-- (owner_id = the reseller), shown to the reseller's clients, on its signup pages and in mail about its clients.
-- The logo lives here too (at most 256 KiB, PNG, JPEG or a sanitised SVG), served by its SHA-256 (logo_hash), so
-- the pages' one session statement reads only the hash, never the bytes.
CREATE TABLE brands (
	owner_id      bigint UNIQUE REFERENCES customers (id),
	name          text NOT NULL DEFAULT '' CHECK (length(name) <= 64),
	accent        text NOT NULL DEFAULT '' CHECK (accent = '' OR accent ~ '^#[0-9a-f]{6}$'),
	support_email text NOT NULL DEFAULT '' CHECK (length(support_email) <= 254),
	logo          bytea CHECK (length(logo) <= 262144),
	logo_type     text NOT NULL DEFAULT '' CHECK (logo_type IN ('', 'image/png', 'image/jpeg', 'image/svg+xml')),
	logo_hash     text NOT NULL DEFAULT '',
	updated_at    timestamptz NOT NULL DEFAULT now(),
	CHECK ((logo IS NULL) = (logo_hash = ''))
);
CREATE UNIQUE INDEX brands_operator_key ON brands ((owner_id IS NULL)) WHERE owner_id IS NULL;
CREATE INDEX brands_logo_idx ON brands (logo_hash) WHERE logo_hash <> '';
INSERT INTO brands (owner_id, name) VALUES (NULL, 'Portal');

-- +goose Down
DROP TABLE brands;
