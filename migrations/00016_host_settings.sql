-- +goose Up
-- What customers need to point their domains and mail programs at a platform (issue 13): the web servers'
-- addresses, the SFTP/SSH host, the mail hosts and ports, the webmail address and the MX and SPF records to suggest.
-- Set by admins per platform; empty means "not set" and the pages say so. One row per platform, created on the
-- first save.
CREATE TABLE platform_settings (
	platform_id bigint PRIMARY KEY REFERENCES platforms (id) ON DELETE CASCADE,
	web_ipv4    text NOT NULL DEFAULT '',
	web_ipv6    text NOT NULL DEFAULT '',
	sftp_host   text NOT NULL DEFAULT '',
	imap_host   text NOT NULL DEFAULT '',
	imap_port   integer NOT NULL DEFAULT 993 CHECK (imap_port BETWEEN 1 AND 65535),
	pop3_host   text NOT NULL DEFAULT '',
	pop3_port   integer NOT NULL DEFAULT 995 CHECK (pop3_port BETWEEN 1 AND 65535),
	smtp_host   text NOT NULL DEFAULT '',
	smtp_port   integer NOT NULL DEFAULT 587 CHECK (smtp_port BETWEEN 1 AND 65535),
	webmail_url text NOT NULL DEFAULT '',
	mx_hosts    text NOT NULL DEFAULT '', -- host names separated by blanks, in preference order
	spf         text NOT NULL DEFAULT '',
	updated_at  timestamptz NOT NULL DEFAULT now()
);

-- What ISPConfig's quota functions last reported (a periodic job reads them per client; pages never call
-- ISPConfig for them). observed_at is when the job's reading was taken.
CREATE TABLE site_usage (
	site_id             bigint PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
	disk_used_kb        bigint,          -- NULL: the server has not reported the site's disk use yet
	traffic_month_bytes bigint NOT NULL DEFAULT 0,
	traffic_last_bytes  bigint NOT NULL DEFAULT 0, -- last calendar month
	system_user         text NOT NULL DEFAULT '',
	observed_at         timestamptz NOT NULL
);
CREATE TABLE mailbox_usage (
	mailbox_id  bigint PRIMARY KEY REFERENCES mailboxes (id) ON DELETE CASCADE,
	used_bytes  bigint NOT NULL,
	observed_at timestamptz NOT NULL
);
-- The DKIM key ISPConfig has for a mail domain (read by the same job), so the mail page can show the DNS record.
CREATE TABLE mail_domain_dkim (
	mail_domain_id bigint PRIMARY KEY REFERENCES mail_domains (id) ON DELETE CASCADE,
	selector       text NOT NULL,
	public_key     text NOT NULL,
	observed_at    timestamptz NOT NULL
);

-- +goose Down
DROP TABLE mail_domain_dkim;
DROP TABLE mailbox_usage;
DROP TABLE site_usage;
DROP TABLE platform_settings;
