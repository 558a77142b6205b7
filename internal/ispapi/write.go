package ispapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// adminGroup is the sys_groupid of records owned by the admin ("client 0", API.md §5.1).
const adminGroup = 1

// getSpec names the single-record getter of a table: function and the name of its id parameter.
type getSpec struct {
	fn    string // e.g. "mail_domain_get"
	idKey string // "primary_id", or "client_id" for client_get
}

// writeSpec describes one add or update for sending and for read-after-write verification.
type writeSpec struct {
	fn     string         // e.g. "mail_domain_add"
	args   map[string]any // every argument except session_id, params included
	params map[string]any // the params sent, compared with the stored record
	get    getSpec
	// noVerify lists params ISPConfig stores differently on purpose (passwords are hashed, some values are
	// overwritten from the server configuration).
	noVerify []string
	// owner is the client whose group must own the record afterwards: 0 for the admin, -1 to not check.
	owner int64
	// lookup finds the record by its natural key after an ambiguous add; it returns ErrNotFound when absent.
	lookup func(ctx context.Context) (int64, error)
}

// add sends an add. When the answer is ambiguous (ErrUnavailable: the write may have happened, API.md §6 quirk 2)
// it looks the record up by its natural key before trying again, so a retry never creates a duplicate. On a
// *MismatchError the record exists and its id is returned with the error.
func (c *Client) add(ctx context.Context, w writeSpec) (int64, error) {
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, c.delay); err != nil {
				return 0, lastErr
			}
		}
		var id Int
		err := c.call(ctx, w.fn, w.args, &id)
		if err == nil {
			if id <= 0 {
				return 0, &APIError{Function: w.fn, Code: "ok", Message: "no id in response"}
			}
			return int64(id), c.verify(ctx, w, int64(id))
		}
		if !errors.Is(err, ErrUnavailable) || ctx.Err() != nil || w.lookup == nil {
			return 0, err
		}
		lastErr = err
		found, lerr := w.lookup(ctx)
		switch {
		case lerr == nil:
			c.log.Warn("ispapi: ambiguous add found the record", "function", w.fn, "id", found, "err", err)
			return found, c.verify(ctx, w, found)
		case !errors.Is(lerr, ErrNotFound):
			return 0, fmt.Errorf("%w (looking the record up afterwards failed too: %v)", err, lerr)
		}
		c.log.Warn("ispapi: ambiguous add did not write; retrying", "function", w.fn, "err", err)
	}
	return 0, lastErr
}

// update sends an update and verifies the stored record. ISPConfig's changed-rows answer is ignored: 0 means
// both "no change" and "no such id" (API.md §3.3 step 7); the read-back tells them apart.
func (c *Client) update(ctx context.Context, w writeSpec, id int64) error {
	var n Int
	if err := c.call(ctx, w.fn, w.args, &n); err != nil {
		return err
	}
	return c.verify(ctx, w, id)
}

// verify reads record id back and compares every sent param (except w.noVerify) and the owner group.
func (c *Client) verify(ctx context.Context, w writeSpec, id int64) error {
	var raw json.RawMessage
	if err := c.read(ctx, w.get.fn, map[string]any{w.get.idKey: id}, &raw); err != nil {
		return fmt.Errorf("ispapi: %s: verify record %d: %w", w.fn, id, err)
	}
	var row map[string]any
	if err := decodeRow(w.get.fn, raw, &row); err != nil {
		return fmt.Errorf("ispapi: %s: verify record %d: %w", w.fn, id, err)
	}
	skip := map[string]bool{}
	for _, k := range w.noVerify {
		skip[k] = true
	}
	var bad []string
	for k, sent := range w.params {
		if skip[k] {
			continue
		}
		got, ok := row[k]
		if !ok || canon(k, sent) != canon(k, got) {
			bad = append(bad, k)
		}
	}
	if w.owner >= 0 {
		want, err := c.ownerGroup(ctx, w.owner)
		if err != nil {
			return fmt.Errorf("ispapi: %s: verify owner of record %d: %w", w.fn, id, err)
		}
		if g, ok := row["sys_groupid"]; !ok || canon("", g) != strconv.FormatInt(want, 10) {
			bad = append(bad, "sys_groupid")
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		c.log.Warn("ispapi: record differs from what was sent", "function", w.fn, "id", id, "fields", bad)
		return &MismatchError{Function: w.fn, ID: id, Fields: bad}
	}
	return nil
}

// canon renders a sent or stored value the way ISPConfig compares it: numbers as decimal text (JSON numbers
// come back as strings), null as "", surrounding space trimmed; addresses and domains case-insensitively and
// address lists without the blanks after commas.
func canon(key string, v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		s = ""
	case string:
		s = x
	case int64:
		s = strconv.FormatInt(x, 10)
	case int:
		s = strconv.Itoa(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		s = yn(x)
	default:
		s = fmt.Sprint(x)
	}
	s = strings.TrimSpace(s)
	switch key {
	case "domain", "email", "login", "source", "destination", "cc", "sender_cc", "paypal_email":
		s = strings.ToLower(strings.ReplaceAll(s, ", ", ","))
	}
	return s
}

// ownerGroup returns the sys_groupid that records of clientID carry (API.md §5.2): the admin group for 0,
// otherwise client_get_groupid, cached because a client's group never changes.
func (c *Client) ownerGroup(ctx context.Context, clientID int64) (int64, error) {
	if clientID == 0 {
		return adminGroup, nil
	}
	if g, ok := c.groups.Load(clientID); ok {
		return g.(int64), nil
	}
	var g Int
	err := c.read(ctx, "client_get_groupid", map[string]any{"client_id": clientID}, &g)
	if isFault(err, msgNoGroupForClient) {
		return 0, fmt.Errorf("ispapi: client %d: %w", clientID, ErrNotFound)
	}
	if err != nil {
		return 0, err
	}
	if g <= 0 {
		return 0, &APIError{Function: "client_get_groupid", Code: "ok", Message: "no group id in response"}
	}
	c.groups.Store(clientID, int64(g))
	return int64(g), nil
}

// ClientGroupID returns the sys_groupid of client clientID: the tenancy key every record of that client carries
// (API.md §5). It is cached. Errors: ErrNotFound when the client has no group.
func (c *Client) ClientGroupID(ctx context.Context, clientID int64) (int64, error) {
	if err := checkID("client_get_groupid", "client_id", clientID); err != nil {
		return 0, err
	}
	return c.ownerGroup(ctx, clientID)
}

// getRow reads one record by id into out. Errors: ErrNotFound when it does not exist.
func (c *Client) getRow(ctx context.Context, g getSpec, id int64, out any) error {
	if err := checkID(g.fn, g.idKey, id); err != nil {
		return err
	}
	var raw json.RawMessage
	if err := c.read(ctx, g.fn, map[string]any{g.idKey: id}, &raw); err != nil {
		return err
	}
	return decodeRow(g.fn, raw, out)
}

// filterRows reads the rows of a table whose columns equal every value of filter (API.md §3.1). ISPConfig compares
// array filters with LIKE, so "_" and "%" in a value would widen the match: rows are compared again exactly (the
// way canon compares them) and only exact matches are returned.
func filterRows[T any](ctx context.Context, c *Client, g getSpec, filter map[string]any) ([]T, error) {
	var raw json.RawMessage
	if err := c.read(ctx, g.fn, map[string]any{g.idKey: filter}, &raw); err != nil {
		return nil, err
	}
	rows, err := decodeRows[T](g.fn, raw)
	if err != nil || len(rows) == 0 {
		return rows, err
	}
	generic, err := decodeRows[map[string]any](g.fn, raw)
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for i, row := range generic {
		if exactMatch(row, filter) {
			out = append(out, rows[i])
		}
	}
	return out, nil
}

// exactMatch reports whether row has every value of filter, compared as canon compares them.
func exactMatch(row, filter map[string]any) bool {
	for k, want := range filter {
		got, ok := row[k]
		if !ok || canon(k, got) != canon(k, want) {
			return false
		}
	}
	return true
}

// deleteRow deletes one record. A record that does not exist is not an error: deleting is idempotent, and
// ISPConfig answers 0 in that case (API.md §3.4).
func (c *Client) deleteRow(ctx context.Context, fn, idKey string, id int64) error {
	if err := checkID(fn, idKey, id); err != nil {
		return err
	}
	var n Int
	return c.call(ctx, fn, map[string]any{idKey: id}, &n)
}

// setStatus switches a record on or off with a *_set_status function and checks the stored flag.
func (c *Client) setStatus(ctx context.Context, fn string, g getSpec, id int64, active bool) error {
	if err := checkID(fn, "primary_id", id); err != nil {
		return err
	}
	status := "inactive"
	if active {
		status = "active"
	}
	var n Int
	if err := c.call(ctx, fn, map[string]any{"primary_id": id, "status": status}, &n); err != nil {
		return err
	}
	return c.verify(ctx, writeSpec{fn: fn, params: map[string]any{"active": yn(active)}, get: g, owner: -1}, id)
}

// onlyOne returns the id of the single row found by a natural-key lookup.
func onlyOne(fn string, ids []int64) (int64, error) {
	switch len(ids) {
	case 0:
		return 0, fmt.Errorf("ispapi: %s: %w", fn, ErrNotFound)
	case 1:
		return ids[0], nil
	}
	return 0, &APIError{Function: fn, Code: "ok", Message: fmt.Sprintf("%d records match the natural key", len(ids))}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
