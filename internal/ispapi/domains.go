package ispapi

import (
	"context"
	"encoding/json"
	"fmt"
)

type jsonRaw = json.RawMessage

var domainGet = getSpec{fn: "domains_domain_get", idKey: "primary_id"}

// Domain is an entry of the domain-limit table (the "domains" module): a domain a client may use in the panel.
// The API itself never consults the table (API.md §4.7).
type Domain struct {
	ID         Int    `json:"domain_id"`
	SysGroupID Int    `json:"sys_groupid"` // 0 in DomainsByClient results (domains_get_all_by_user omits it)
	Domain     string `json:"domain"`
}

// DomainUpdate lists the domain-table fields to change.
type DomainUpdate struct {
	Domain *string `isp:"domain"` // normalised with NormalizeDomain
	// MoveToClient assigns the entry to that client when > 0, the documented use of domains_domain_update.
	MoveToClient int64 `isp:"-"`
}

// AddDomain assigns domain to client clientID in the domain-limit table and returns the entry's id. After an
// ambiguous failure it looks the domain up instead of adding it twice. Errors: *ValidationError
// (domain_error_unique when any client has it).
func (c *Client) AddDomain(ctx context.Context, clientID int64, domain string) (int64, error) {
	const fn = "domains_domain_add"
	if err := checkOwner(fn, "client_id", clientID); err != nil {
		return 0, err
	}
	d, err := NormalizeDomain(domain)
	if err != nil {
		return 0, withFunction(err, fn)
	}
	params := map[string]any{"domain": d}
	return c.add(ctx, writeSpec{
		fn: fn, args: map[string]any{"client_id": clientID, "params": params}, params: params,
		get: domainGet, owner: clientID,
		lookup: func(ctx context.Context) (int64, error) {
			e, err := c.domainByName(ctx, d)
			return int64(e.ID), err
		},
	})
}

// GetDomain returns domain-table entry id. Errors: ErrNotFound.
func (c *Client) GetDomain(ctx context.Context, id int64) (Domain, error) {
	var d Domain
	if err := c.getRow(ctx, domainGet, id, &d); err != nil {
		return Domain{}, fmt.Errorf("ispapi: domain %d: %w", id, err)
	}
	return d, nil
}

// DomainByName returns the domain-table entry for domain (normalised first). Errors: ErrNotFound.
func (c *Client) DomainByName(ctx context.Context, domain string) (Domain, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return Domain{}, withFunction(err, domainGet.fn)
	}
	return c.domainByName(ctx, d)
}

func (c *Client) domainByName(ctx context.Context, d string) (Domain, error) {
	rows, err := filterRows[Domain](ctx, c, domainGet, map[string]any{"domain": d})
	if err != nil {
		return Domain{}, err
	}
	if len(rows) == 0 {
		return Domain{}, fmt.Errorf("ispapi: domain %q: %w", d, ErrNotFound)
	}
	return rows[0], nil
}

// DomainsByClient returns the domain-table entries of client clientID, ordered by id (domains_get_all_by_user
// with the client's group id).
func (c *Client) DomainsByClient(ctx context.Context, clientID int64) ([]Domain, error) {
	const fn = "domains_get_all_by_user"
	g, err := c.ClientGroupID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	var raw jsonRaw
	if err := c.read(ctx, fn, map[string]any{"group_id": g}, &raw); err != nil {
		return nil, fmt.Errorf("ispapi: domains of client %d: %w", clientID, err)
	}
	rows, err := decodeRows[Domain](fn, raw)
	if err != nil {
		return nil, err
	}
	sortByID(rows, func(d Domain) Int { return d.ID })
	return rows, nil
}

// UpdateDomain changes the entry as u says and verifies it (including the new owner).
func (c *Client) UpdateDomain(ctx context.Context, id int64, u DomainUpdate) error {
	const fn = "domains_domain_update"
	if u.Domain != nil {
		d, err := NormalizeDomain(*u.Domain)
		if err != nil {
			return withFunction(err, fn)
		}
		u.Domain = &d
	}
	return c.simpleUpdate(ctx, fn, domainGet, id, u.MoveToClient, toParams(u))
}

// MoveDomain assigns domain-table entry id to client clientID (> 0) and verifies the new owner.
func (c *Client) MoveDomain(ctx context.Context, id, clientID int64) error {
	if err := checkID("domains_domain_update", "client_id", clientID); err != nil {
		return err
	}
	return c.UpdateDomain(ctx, id, DomainUpdate{MoveToClient: clientID})
}

// DeleteDomain deletes domain-table entry id. Deleting one that does not exist is not an error.
func (c *Client) DeleteDomain(ctx context.Context, id int64) error {
	return c.deleteRow(ctx, "domains_domain_delete", "primary_id", id)
}
