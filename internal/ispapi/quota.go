package ispapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
)

// The quota functions (permission group "Quota functions" of the client module: quota_get_by_user,
// trafficquota_get_by_user, mailquota_get_by_user, databasequota_get_by_user) report what a client's web sites and
// mailboxes use, from what the servers' cron jobs last wrote into ISPConfig's monitor_data and web_traffic tables
// (interface/lib/classes/quota_lib.inc.php). They only read. Quirks guarded here:
//   - a client_id of 0 (or null) is not "nobody" but "every client": quota_get_by_user and mailquota_get_by_user
//     don't intval it, and `$clientid != null` is false for 0 — so ids must be > 0;
//   - an unknown client gets an empty list, not an error;
//   - disk use is in KB (repquota blocks) and null until the server's monitor has reported the site; soft and hard
//     limits are JSON numbers (-1) or strings, so every number is decoded leniently (Int);
//   - only active vhosts are listed (a disabled site is missing, not zero);
//   - trafficquota_get_by_user answers an object keyed by host name, or [] when the client has no active site;
//     months without traffic are missing keys;
//   - mailquota_get_by_user returns whole mail_user rows (password hash included: never log the answer), with
//     "used" in bytes (0 when the monitor has no figure).

// SiteQuota is one active vhost in quota_get_by_user's answer.
type SiteQuota struct {
	ID         Int    `json:"domain_id"`
	Domain     string `json:"domain"`
	SystemUser string `json:"system_user"`
	UsedKB     *Int   `json:"used"` // nil: not reported yet
	SoftKB     Int    `json:"soft"` // -1 unlimited
	HardKB     Int    `json:"hard"`
}

// SiteTraffic is one vhost's traffic in trafficquota_get_by_user's answer, in bytes.
type SiteTraffic struct {
	ID        Int    `json:"domain_id"`
	Domain    string `json:"-"` // the answer's key
	ThisMonth Int    `json:"this_month"`
	LastMonth Int    `json:"last_month"`
	ThisYear  Int    `json:"this_year"`
	LastYear  Int    `json:"last_year"`
}

// MailboxQuota is one mailbox in mailquota_get_by_user's answer (only the fields the portal reads).
type MailboxQuota struct {
	ID        Int    `json:"mailuser_id"`
	Email     string `json:"email"`
	UsedBytes Int    `json:"used"`
	Quota     Int    `json:"quota"` // bytes, 0 unlimited
}

// SiteQuotas returns the disk use of client clientID's active vhosts (quota_get_by_user), ordered by id.
func (c *Client) SiteQuotas(ctx context.Context, clientID int64) ([]SiteQuota, error) {
	const fn = "quota_get_by_user"
	var out []SiteQuota
	if err := c.quotaRead(ctx, fn, clientID, nil, &out); err != nil {
		return nil, err
	}
	sortByID(out, func(q SiteQuota) Int { return q.ID })
	return out, nil
}

// SiteTraffic returns the traffic of client clientID's active vhosts (trafficquota_get_by_user), ordered by id.
func (c *Client) SiteTraffic(ctx context.Context, clientID int64) ([]SiteTraffic, error) {
	const fn = "trafficquota_get_by_user"
	var raw json.RawMessage
	if err := c.quotaRead(ctx, fn, clientID, map[string]any{"lastdays": 0}, &raw); err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' { // [] (no active site), null
		return nil, nil
	}
	var byHost map[string]SiteTraffic
	if err := json.Unmarshal(raw, &byHost); err != nil {
		return nil, &APIError{Function: fn, Code: "ok", Message: "unexpected response: " + err.Error()}
	}
	out := make([]SiteTraffic, 0, len(byHost))
	for host, t := range byHost {
		t.Domain = host
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// MailboxQuotas returns what client clientID's mailboxes use (mailquota_get_by_user), ordered by id.
func (c *Client) MailboxQuotas(ctx context.Context, clientID int64) ([]MailboxQuota, error) {
	const fn = "mailquota_get_by_user"
	var out []MailboxQuota
	if err := c.quotaRead(ctx, fn, clientID, nil, &out); err != nil {
		return nil, err
	}
	sortByID(out, func(q MailboxQuota) Int { return q.ID })
	return out, nil
}

// quotaRead calls one quota function for a client; a client id of 0 would read every client's figures.
func (c *Client) quotaRead(ctx context.Context, fn string, clientID int64, extra map[string]any, out any) error {
	if err := checkID(fn, "client_id", clientID); err != nil {
		return err
	}
	args := map[string]any{"client_id": clientID}
	for k, v := range extra {
		args[k] = v
	}
	if err := c.read(ctx, fn, args, out); err != nil {
		return fmt.Errorf("ispapi: %s of client %d: %w", fn, clientID, err)
	}
	return nil
}
