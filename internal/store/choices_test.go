package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"portal/internal/store"
)

// TestClientChoices_FirstMatchesByLabel: a client picker offers, for every kind of viewer, what and whom it is
// for, the first MaxChoices customers by label ("Company (Name)", or the name) and id that match the search, held
// to a plain statement of the rule; the chosen customer when the viewer may choose it (and never another's, which
// would tell its name), left out of the list; never the one excepted; More when more match; a search's % and _
// taken as themselves.
func TestClientChoices_FirstMatchesByLabel(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO customers (kind, platform_id, plan_id, name, company, email, isp_username, state)
		SELECT 'reseller', (SELECT id FROM platforms), (SELECT id FROM plans), n, CASE WHEN n = 'r1' THEN 'A1' ELSE '' END,
			n || '@x.test', n, 'active' FROM unnest(ARRAY['r1', 'r2']) n`)
	// 300 clients under each reseller and 300 of the operator's, in labels in no id order (a company on every
	// third), some pending, suspended, by the reseller or deleted; names with a % and an _ among them.
	exec(`INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, company, email, isp_username, state,
			suspended_self, suspended_by, suspended_by_reseller)
		SELECT 'client', r.id, (SELECT id FROM platforms), (SELECT id FROM plans),
			CASE WHEN g % 97 = 0 THEN 'fifty%_off ' || g ELSE 'n' || (g * 7919 % 300) END,
			CASE WHEN g % 3 = 0 THEN 'Co ' || (g % 50) ELSE '' END, coalesce(r.name, 'op') || 'p' || g || '@x.test',
			coalesce(r.name, 'op') || 'p' || g, CASE WHEN g % 11 = 0 THEN 'pending' WHEN g % 13 = 0 THEN 'deleted' ELSE 'active' END,
			g % 7 = 0, CASE WHEN g % 7 = 0 THEN 'admin' END, g % 17 = 0
		FROM generate_series(1, 300) g, (SELECT id, name FROM customers UNION ALL SELECT NULL, NULL) r`)
	ids := map[string]int64{}
	rows, _ := pool.Query(ctx, `SELECT isp_username, id FROM customers`)
	for rows.Next() {
		var n string
		var id int64
		if err := rows.Scan(&n, &id); err != nil {
			t.Fatal(err)
		}
		ids[n] = id
	}
	r1, r2 := ids["r1"], ids["r2"]
	scopes := map[string]store.Scope{"operator": {Role: store.RoleAdmin}, "r1": {Role: store.RoleReseller, CustomerID: r1},
		"r2": {Role: store.RoleReseller, CustomerID: r2}, "client": {Role: store.RoleClient, CustomerID: ids["r1p1"]},
		"unlinked reseller": {Role: store.RoleReseller}}
	// The rule, plainly: which customers scope may choose, for what.
	rule := func(scope store.Scope, f store.ChoiceFor) string {
		var who string
		switch {
		case scope.Role == store.RoleAdmin:
			who = "true"
		case scope.Role == store.RoleReseller && scope.CustomerID != 0 && f == store.ForBuyers:
			who = fmt.Sprintf("(c.reseller_id = %d OR c.id = %d)", scope.CustomerID, scope.CustomerID)
		case scope.Role == store.RoleReseller && scope.CustomerID != 0:
			who = fmt.Sprintf("c.reseller_id = %d", scope.CustomerID)
		default:
			return "false"
		}
		if f == store.ForObjects {
			who += " AND c.kind = 'client' AND c.state = 'active' AND NOT (c.suspended_self OR c.suspended_by_reseller)"
		}
		return who
	}
	label := `CASE WHEN c.company <> '' THEN c.company || ' (' || c.name || ')' ELSE c.name END`
	for name, scope := range scopes {
		for _, f := range []store.ChoiceFor{store.ForObjects, store.ForBuyers} {
			for _, q := range []string{"", "N1", "co 4", "%_", "P30@", "nobody"} {
				for _, ce := range [][2]int64{{0, 0}, {ids["r1p5"], 0}, {ids["r2p5"], 0}, {ids["r1p13"], 0}, {r1, 0},
					{0, ids["r1p1"]}, {ids["r1p5"], ids["r1p5"]}} {
					chosen, except := ce[0], ce[1]
					where := rule(scope, f) + fmt.Sprintf(" AND c.id <> %d", except)
					if q != "" {
						p := "%" + strings.NewReplacer(`%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q)) + "%"
						where += fmt.Sprintf(` AND lower(c.name || ' ' || c.company || ' ' || c.email || ' ' || c.isp_username) LIKE '%s'`, p)
					}
					var want []int64
					var more, mayChoose bool
					rows, _ := pool.Query(ctx, `SELECT c.id FROM customers c WHERE `+where+fmt.Sprintf(` AND c.id <> %d
						ORDER BY `+label+`, c.id LIMIT %d`, chosen, store.MaxChoices+1))
					for rows.Next() {
						var id int64
						_ = rows.Scan(&id)
						want = append(want, id)
					}
					if rows.Err() != nil {
						t.Fatal(rows.Err())
					}
					if len(want) > store.MaxChoices {
						want, more = want[:store.MaxChoices], true
					}
					if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM customers c WHERE c.id = $1 AND c.id <> $2 AND `+rule(scope, f)+`)`,
						chosen, except).Scan(&mayChoose); err != nil {
						t.Fatal(err)
					}
					got, err := store.NewCustomers(pool).Choices(ctx, scope, store.ChoiceQuery{For: f, Query: q, Chosen: chosen, Except: except})
					if err != nil {
						t.Fatal(err)
					}
					var list []int64
					for _, c := range got.List {
						list = append(list, c.ID)
					}
					what := fmt.Sprintf("%s, for %d, search %q, chosen %d, except %d", name, f, q, chosen, except)
					if !slices.Equal(list, want) || got.More != more {
						t.Errorf("%s: offers %v (more: %v); want %v (more: %v)", what, list, got.More, want, more)
					}
					if (got.Chosen != nil) != mayChoose || got.Chosen != nil && got.Chosen.ID != chosen {
						t.Errorf("%s: chosen %+v; may choose it: %v", what, got.Chosen, mayChoose)
					}
				}
			}
		}
	}
	// What a choice says of a customer: its label and email.
	got, err := store.NewCustomers(pool).Choices(ctx, scopes["r1"], store.ChoiceQuery{For: store.ForBuyers, Query: "A1"})
	if err != nil || len(got.List) != 1 || got.List[0] != (store.CustomerChoice{ID: r1, Name: "A1 (r1)", Email: "r1@x.test"}) {
		t.Errorf("r1 searching itself: %+v, %v; want A1 (r1) <r1@x.test>", got, err)
	}
	if got, err := store.NewCustomers(pool).Choices(ctx, scopes["r1"], store.ChoiceQuery{For: store.ForObjects, Query: "nobody"}); err != nil ||
		got.Chosen != nil || len(got.List) != 0 || got.More {
		t.Errorf("a search that matches nothing: %+v, %v", got, err)
	}
}

// TestMissingIndexes_NamesTheSearchIndex: where migration 00026 could create the trigram index (the tests' database
// can), nothing is missing; without it, MissingIndexes names it, for the warning at start.
func TestMissingIndexes_NamesTheSearchIndex(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	if missing, err := store.MissingIndexes(ctx, pool); err != nil || len(missing) != 0 {
		t.Fatalf("after the migrations: missing %v (%v); want none", missing, err)
	}
	exec(`DROP INDEX customers_search_idx`)
	if missing, err := store.MissingIndexes(ctx, pool); err != nil || !slices.Equal(missing, []string{"customers_search_idx"}) {
		t.Errorf("without the index: missing %v (%v); want customers_search_idx", missing, err)
	}
}
