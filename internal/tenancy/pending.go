package tenancy

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"portal/internal/ispapi"
	"portal/internal/store"
)

// pendingRow is an object row a request recorded before calling ISPConfig and never finished (the process died
// between the call and the outcome).
type pendingRow struct {
	Kind       string
	ID         int64
	Key        string // domain, email, or "kind|source|destination" for forwards
	ISPClient  int64
	ISPGroup   int64
	PlatformID int64
}

// ReconcilePending finishes or undoes object rows left pending longer than olderThan: an object ISPConfig has under
// the same client is adopted (its id stored, the row activated), anything else is removed, so neither side keeps a
// half-made object. It returns how many rows it settled.
func (s *Service) ReconcilePending(ctx context.Context, olderThan time.Duration) (int, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT 'site', o.id, lower(o.domain), c.isp_client_id, c.isp_group_id, c.platform_id FROM sites o JOIN customers c ON c.id = o.customer_id
			WHERE o.state = 'pending' AND o.created_at < now() - $1::interval AND c.isp_client_id IS NOT NULL
		UNION ALL SELECT 'mail_domain', o.id, lower(o.domain), c.isp_client_id, c.isp_group_id, c.platform_id FROM mail_domains o JOIN customers c ON c.id = o.customer_id
			WHERE o.state = 'pending' AND o.created_at < now() - $1::interval AND c.isp_client_id IS NOT NULL
		UNION ALL SELECT 'mailbox', o.id, lower(o.email), c.isp_client_id, c.isp_group_id, c.platform_id FROM mailboxes o JOIN customers c ON c.id = o.customer_id
			WHERE o.state = 'pending' AND o.created_at < now() - $1::interval AND c.isp_client_id IS NOT NULL
		UNION ALL SELECT 'mail_forward', o.id, o.kind || '|' || lower(o.source) || '|' || lower(o.destination), c.isp_client_id, c.isp_group_id, c.platform_id
			FROM mail_forwards o JOIN customers c ON c.id = o.customer_id
			WHERE o.state = 'pending' AND o.created_at < now() - $1::interval AND c.isp_client_id IS NOT NULL
		UNION ALL SELECT 'domain', o.id, lower(o.domain), c.isp_client_id, c.isp_group_id, c.platform_id FROM domains o JOIN customers c ON c.id = o.customer_id
			WHERE o.state = 'pending' AND o.created_at < now() - $1::interval AND c.isp_client_id IS NOT NULL`,
		olderThan.String())
	if err != nil {
		return 0, err
	}
	pending, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pendingRow])
	if err != nil {
		return 0, err
	}
	settled := 0
	for _, p := range pending {
		isp, err := s.ISP(p.PlatformID)
		if err != nil {
			return settled, err
		}
		ispID, err := findUpstream(ctx, isp, p)
		if err != nil {
			return settled, err // unreachable: try again next time
		}
		if err := store.NewObjects(s.pool).SettlePending(ctx, store.Kind(p.Kind), p.ID, ispID); err != nil {
			return settled, err
		}
		settled++
	}
	return settled, nil
}

// findUpstream returns the ISPConfig id of a pending row's object when ISPConfig has it under the row's client,
// 0 when it does not.
func findUpstream(ctx context.Context, isp *ispapi.Client, p pendingRow) (int64, error) {
	mine := func(group int64, id int64, err error) (int64, error) {
		if errors.Is(err, ispapi.ErrNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		if group != p.ISPGroup {
			return 0, nil // someone else's: not ours to adopt
		}
		return id, nil
	}
	switch store.Kind(p.Kind) {
	case store.KindSite:
		list, err := isp.WebDomainsByClient(ctx, p.ISPClient)
		if err != nil {
			return 0, err
		}
		for _, w := range list {
			if strings.EqualFold(w.Domain, p.Key) {
				return int64(w.ID), nil
			}
		}
		return 0, nil
	case store.KindMailDomain:
		d, err := isp.MailDomainByName(ctx, p.Key)
		return mine(int64(d.SysGroupID), int64(d.ID), err)
	case store.KindMailbox:
		m, err := isp.MailUserByEmail(ctx, p.Key)
		return mine(int64(m.SysGroupID), int64(m.ID), err)
	case store.KindDomain:
		list, err := isp.DomainsByClient(ctx, p.ISPClient)
		if err != nil {
			return 0, err
		}
		for _, d := range list {
			if strings.EqualFold(d.Domain, p.Key) {
				return int64(d.ID), nil
			}
		}
		return 0, nil
	case store.KindMailForward:
		up, err := upstream(ctx, isp, store.KindMailForward, p.ISPClient)
		if err != nil {
			return 0, err
		}
		for id, f := range up {
			if f["kind"]+"|"+f["source"]+"|"+f["destination"] == p.Key {
				return id, nil
			}
		}
		return 0, nil
	}
	return 0, nil
}
