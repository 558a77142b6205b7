-- +goose Up
-- An ISPConfig installation. Credentials stay in the environment; the row holds what records point at.
CREATE TABLE platforms (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name           text NOT NULL UNIQUE,
	endpoint       text NOT NULL DEFAULT '',
	web_server_id  integer NOT NULL DEFAULT 1 CHECK (web_server_id > 0),
	mail_server_id integer NOT NULL DEFAULT 1 CHECK (mail_server_id > 0),
	created_at     timestamptz NOT NULL DEFAULT now()
);

-- Resellers and clients. A client belongs to a reseller (reseller_id) or directly to the operator (NULL).
-- Rows are never deleted: a deleted customer stays as a tombstone (state 'deleted') for the audit log.
CREATE TABLE customers (
	id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind                  text NOT NULL CHECK (kind IN ('reseller', 'client')),
	reseller_id           bigint REFERENCES customers (id),
	platform_id           bigint NOT NULL REFERENCES platforms (id),
	plan_id               bigint NOT NULL,
	name                  text NOT NULL CHECK (name <> ''),
	company               text NOT NULL DEFAULT '',
	email                 text NOT NULL,
	isp_username          text NOT NULL,
	isp_client_id         integer,
	isp_group_id          integer,
	state                 text NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'active', 'failed', 'deleting', 'deleted')),
	state_detail          text NOT NULL DEFAULT '',
	-- Suspension: by itself, or because its reseller is suspended. suspension is the ISPConfig-side progress.
	suspended_self        boolean NOT NULL DEFAULT false,
	suspended_by_reseller boolean NOT NULL DEFAULT false,
	suspension            text NOT NULL DEFAULT 'none'
		CHECK (suspension IN ('none', 'suspending', 'suspended', 'unsuspending')),
	created_at            timestamptz NOT NULL DEFAULT now(),
	updated_at            timestamptz NOT NULL DEFAULT now(),
	deleted_at            timestamptz,
	CHECK (kind = 'client' OR reseller_id IS NULL)
);
CREATE UNIQUE INDEX customers_username_key ON customers (platform_id, lower(isp_username)) WHERE state <> 'deleted';
CREATE UNIQUE INDEX customers_isp_client_key ON customers (platform_id, isp_client_id)
	WHERE isp_client_id IS NOT NULL AND state <> 'deleted';
CREATE INDEX customers_reseller_idx ON customers (reseller_id, lower(name), id) WHERE state <> 'deleted';
CREATE INDEX customers_kind_idx ON customers (kind, lower(name), id) WHERE state <> 'deleted';

-- Plans carry limits: -1 unlimited, 0 none, n at most n. Operator plans have reseller_id NULL; a reseller's plans
-- are for its clients only.
CREATE TABLE plans (
	id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	reseller_id       bigint REFERENCES customers (id),
	audience          text NOT NULL CHECK (audience IN ('reseller', 'client')),
	name              text NOT NULL CHECK (name <> ''),
	max_clients       integer NOT NULL DEFAULT 0 CHECK (max_clients >= -1),
	max_sites         integer NOT NULL CHECK (max_sites >= -1),
	max_mail_domains  integer NOT NULL CHECK (max_mail_domains >= -1),
	max_mailboxes     integer NOT NULL CHECK (max_mailboxes >= -1),
	max_mail_quota_mb integer NOT NULL CHECK (max_mail_quota_mb >= -1),
	max_mail_aliases  integer NOT NULL CHECK (max_mail_aliases >= -1),
	max_domains       integer NOT NULL CHECK (max_domains >= -1),
	site_quota_mb     integer NOT NULL CHECK (site_quota_mb >= -1),
	created_at        timestamptz NOT NULL DEFAULT now(),
	CHECK (reseller_id IS NULL OR audience = 'client'),
	CHECK (audience = 'reseller' OR max_clients = 0)
);
CREATE UNIQUE INDEX plans_name_key ON plans (coalesce(reseller_id, 0), lower(name));
ALTER TABLE customers ADD CONSTRAINT customers_plan_fkey FOREIGN KEY (plan_id) REFERENCES plans (id);

-- A reseller's or client's sign-in. Admins have no customer.
ALTER TABLE accounts ADD COLUMN customer_id bigint UNIQUE REFERENCES customers (id);
ALTER TABLE accounts ADD CONSTRAINT accounts_customer_role CHECK (role <> 'admin' OR customer_id IS NULL);

-- Hosted objects. The portal's own record of each ISPConfig object: ownership, limits and list pages use these,
-- never ISPConfig. isp_id is NULL until ISPConfig has the object. prev_active remembers the state before a
-- suspension, NULL when not suspended.
CREATE TABLE sites (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	customer_id   bigint NOT NULL REFERENCES customers (id),
	isp_id        integer,
	domain        text NOT NULL,
	php_mode      text NOT NULL DEFAULT 'php-fpm',
	ssl           boolean NOT NULL DEFAULT false,
	letsencrypt   boolean NOT NULL DEFAULT false,
	quota_mb      integer NOT NULL DEFAULT 0,
	traffic_mb    integer NOT NULL DEFAULT 0,
	active        boolean NOT NULL DEFAULT true,
	prev_active   boolean,
	state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'failed', 'deleting')),
	state_detail  text NOT NULL DEFAULT '',
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sites_domain_key ON sites (lower(domain));
CREATE INDEX sites_customer_idx ON sites (customer_id, lower(domain));

CREATE TABLE mail_domains (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	customer_id   bigint NOT NULL REFERENCES customers (id),
	isp_id        integer,
	domain        text NOT NULL,
	active        boolean NOT NULL DEFAULT true,
	prev_active   boolean,
	state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'failed', 'deleting')),
	state_detail  text NOT NULL DEFAULT '',
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX mail_domains_domain_key ON mail_domains (lower(domain));
CREATE INDEX mail_domains_customer_idx ON mail_domains (customer_id, lower(domain));

CREATE TABLE mailboxes (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	customer_id    bigint NOT NULL REFERENCES customers (id),
	mail_domain_id bigint NOT NULL REFERENCES mail_domains (id),
	isp_id         integer,
	email          text NOT NULL,
	name           text NOT NULL DEFAULT '',
	quota_mb       integer NOT NULL CHECK (quota_mb >= 0),
	state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'failed', 'deleting')),
	state_detail   text NOT NULL DEFAULT '',
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX mailboxes_email_key ON mailboxes (lower(email));
CREATE INDEX mailboxes_domain_idx ON mailboxes (mail_domain_id, lower(email));
CREATE INDEX mailboxes_customer_idx ON mailboxes (customer_id, lower(email));

-- Aliases, forwards and catch-alls share ISPConfig's mail_forwarding table, and ours.
CREATE TABLE mail_forwards (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	customer_id    bigint NOT NULL REFERENCES customers (id),
	mail_domain_id bigint NOT NULL REFERENCES mail_domains (id),
	isp_id         integer,
	kind           text NOT NULL CHECK (kind IN ('alias', 'forward', 'catchall')),
	source         text NOT NULL,
	destination    text NOT NULL,
	active         boolean NOT NULL DEFAULT true,
	state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'failed', 'deleting')),
	state_detail   text NOT NULL DEFAULT '',
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now()
);
-- ISPConfig does not check these for duplicates; we do.
CREATE UNIQUE INDEX mail_forwards_key ON mail_forwards (kind, lower(source), lower(destination));
CREATE UNIQUE INDEX mail_forwards_catchall_key ON mail_forwards (mail_domain_id) WHERE kind = 'catchall';
CREATE INDEX mail_forwards_customer_idx ON mail_forwards (customer_id, kind, lower(source));

-- ISPConfig's domain-limit table: which domains a client may use.
CREATE TABLE domains (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	customer_id   bigint NOT NULL REFERENCES customers (id),
	isp_id        integer,
	domain        text NOT NULL,
	state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'failed', 'deleting')),
	state_detail  text NOT NULL DEFAULT '',
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX domains_domain_key ON domains (lower(domain));
CREATE INDEX domains_customer_idx ON domains (customer_id, lower(domain));

-- +goose Down
DROP TABLE domains;
DROP TABLE mail_forwards;
DROP TABLE mailboxes;
DROP TABLE mail_domains;
DROP TABLE sites;
ALTER TABLE accounts DROP CONSTRAINT accounts_customer_role;
ALTER TABLE accounts DROP COLUMN customer_id;
ALTER TABLE customers DROP CONSTRAINT customers_plan_fkey;
DROP TABLE plans;
DROP TABLE customers;
DROP TABLE platforms;
