package store

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// ChoiceFor says which customers a client picker offers.
type ChoiceFor int

const (
	// ForObjects: the clients scope may create sites, mail domains and domains for: its active, unsuspended
	// clients (the operator's: every such client).
	ForObjects ChoiceFor = iota + 1
	// ForBuyers: the customers scope may filter its invoice list by: the operator's every customer; a reseller's
	// clients, whatever their state, and itself (the buyer of its wholesale bills). A reseller's documents go to
	// no one else (migration 00022's trigger).
	ForBuyers
)

// MaxChoices is how many matches a client picker offers at a time: it searches rather than lists, so that a
// reseller's 100,000th client is as easy to pick as its first, and a page costs the same at any size.
const MaxChoices = 10

// CustomerChoice is a customer as a picker offers it.
type CustomerChoice struct {
	ID    int64
	Name  string // customerLabel
	Email string
}

// ClientChoices is what a client picker offers.
type ClientChoices struct {
	Chosen *CustomerChoice  // the chosen customer, when scope may choose it
	List   []CustomerChoice // the first MaxChoices matches by label, the chosen one left out
	More   bool             // more customers match than List holds
}

// ChoiceQuery is what a picker asks for: Query matches a customer's name, company, email or username,
// case-insensitively (empty: every one); Chosen is the customer chosen so far (0: none); Except is never offered
// (a domain's owner, when it moves).
type ChoiceQuery struct {
	For    ChoiceFor
	Query  string
	Chosen int64
	Except int64
}

// Choices returns what a client picker offers scope for q, in one statement.
func (s Customers) Choices(ctx context.Context, scope Scope, q ChoiceQuery) (ClientChoices, error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	sql := `SELECT ` + clientChoices(scope, q, arg) // numbers the arguments it appends
	var raw []byte
	if err := s.db.QueryRow(ctx, sql, plannedFor(q.Query, args)...).Scan(&raw); err != nil {
		return ClientChoices{}, wrap(err, "client choices")
	}
	return decodeChoices(raw)
}

// clientChoices is a scalar subquery of the choices scope is offered for q, as a JSON array of objects (id,
// name: the label, email, chosen) in label order, the chosen one among them, at most MaxChoices+1 others (decodeChoices reads it).
// Each branch walks a label index (migration 00022) and stops at its last choice. A client, or an account linked to
// no customer, is offered none.
func clientChoices(scope Scope, q ChoiceQuery, arg func(any) string) string {
	var owners []string // each branch's condition on which customers scope may choose
	switch {
	case scope.Role == RoleAdmin:
		owners = []string{"true"}
	case scope.Role == RoleReseller && scope.CustomerID != 0:
		r := arg(scope.CustomerID)
		owners = []string{"c.reseller_id = " + r}
		if q.For == ForBuyers {
			owners = append(owners, "c.id = "+r)
		}
	default:
		return "'[]'::json"
	}
	var cond []string
	if q.For == ForObjects {
		cond = append(cond, "c.kind = 'client'", "c.state = 'active'", "NOT c.suspended_self", "NOT c.suspended_by_reseller")
	}
	if q.Except != 0 {
		cond = append(cond, "c.id <> "+arg(q.Except))
	}
	match := slices.Clone(cond)
	if strings.TrimSpace(q.Query) != "" {
		match = append(match, customerMatches(q.Query, arg))
	}
	row := `json_build_object('id', c.id, 'name', ` + customerLabel + `, 'email', c.email, 'chosen', `
	order := ` ORDER BY ` + customerLabel + `, c.id` + limitClause(MaxChoices+1)
	var branches []string
	chosen := "0"
	if q.Chosen != 0 {
		chosen = arg(q.Chosen)
	}
	for _, o := range owners {
		where := strings.Join(append([]string{o, "c.id <> " + chosen}, match...), " AND ")
		branches = append(branches, `(SELECT `+row+`false) AS x, `+customerLabel+` AS label, c.id FROM customers c WHERE `+where+order+`)`)
	}
	if q.Chosen != 0 { // one row by its key, whoever of the owners it belongs to
		where := strings.Join(append([]string{"(" + strings.Join(owners, " OR ") + ")", "c.id = " + chosen}, cond...), " AND ")
		branches = append(branches, `(SELECT `+row+`true), `+customerLabel+`, c.id FROM customers c WHERE `+where+`)`)
	}
	return `(SELECT coalesce(json_agg(b.x ORDER BY b.label, b.id), '[]') FROM (` + strings.Join(branches, " UNION ALL ") + `) b)`
}

// decodeChoices reads clientChoices' array.
func decodeChoices(raw []byte) (ClientChoices, error) {
	var rows []struct {
		CustomerChoice
		Chosen bool
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return ClientChoices{}, wrap(err, "decode client choices")
	}
	var out ClientChoices
	for _, r := range rows {
		c := r.CustomerChoice
		switch {
		case r.Chosen:
			out.Chosen = &c
		case len(out.List) == MaxChoices:
			out.More = true
		default:
			out.List = append(out.List, c)
		}
	}
	return out, nil
}
