package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Key is a row's place in a sorted list: its sort value as Postgres prints it, and its id (the tie-breaker).
// Pager links carry keys instead of page numbers, so a page deep in a list costs what the first page costs: the
// query seeks in the sort index to the key instead of walking and skipping every row before it (OFFSET).
type Key struct {
	Value string
	ID    int64
}

// String is the key as a URL parameter: the id, a dot, the sort value.
func (k Key) String() string { return strconv.FormatInt(k.ID, 10) + "." + k.Value }

// ParseKey reads a key written by String.
func ParseKey(s string) (Key, bool) {
	id, v, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || len(v) > 300 || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return Key{}, false // Postgres refuses what is no text (invalid UTF-8, a NUL) before any cast
	}
	return Key{Value: v, ID: n}, true
}

// Keyset selects a page: the first (both nil), the one after After, or the one before Before.
type Keyset struct {
	After, Before *Key
}

// Paging is what a list page's pager shows.
type Paging struct {
	Total      int  // matches, counted up to CountCap+1 (the invoice list: its totals' exact sum)
	First      bool // this is the list's first page (asked for as such, or reached going back)
	Next, Prev *Key // what the next and previous links carry; nil when there is no such page
}

// listSpec is one list query: columns, the FROM … WHERE … clause with the filter, and the sort.
type listSpec struct {
	cols, from string
	countFrom  string // the FROM … WHERE … the count reads, when fewer joins do than from's; "": from
	count      string // a scalar expression that is the capped count, when a counter knows it; "": count countFrom
	order      string // the sort expression
	cast       string // the type the printed sort value casts back to, e.g. "text" or "timestamptz"
	id         string // the tie-breaker column
	desc       bool
	per        int
	// branches, when set, are disjoint SELECTs of the listed table's rows, each "SELECT i.… FROM … i WHERE …" with
	// the whole filter. Each is read as its own branch, seeking its own index to the key for at most a page, and
	// their union takes branchesAlias's place in from, which then has no WHERE. A list whose rule is an OR that two
	// indexes serve (a reseller's invoices: issued by it, or to it) so reads two pages' rows, not every match
	// sorted: Postgres does not merge the two index scans in order by itself. A list with branches needs count.
	branches []string
	// term, a search the list is filtered by: when set, the statement is planned for its arguments on every run (an
	// unnamed statement), not once for any: the term decides whether reading the list in order or looking its few
	// matches up in a trigram index is cheaper, which a plan kept for every term can't know (customerSearch).
	term string
}

// plannedFor is a statement's arguments, planned for their values on every run (an unnamed statement) when term,
// a search, is set; otherwise as they are, for a statement prepared once (see listSpec.term).
func plannedFor(term string, args []any) []any {
	if strings.TrimSpace(term) == "" {
		return args
	}
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// branchesAlias is where a listSpec's from names the union of its branches.
const branchesAlias = "{branches} i"

// counterTotal is a list's capped total read from a usage counter (migration 00008) of customer id, for lists that
// are exactly what the counter counts: the counter is one row however long the list, where counting stops only at
// CountCap+1 rows (at 100,000 rows, the count was most of a first page's statement). A deleted customer lists
// nothing, so counts 0.
func counterTotal(column string, id int64, arg func(any) string) string {
	return "coalesce((SELECT least(u." + column + ", " + strconv.Itoa(CountCap+1) + ") FROM usage_counters u JOIN customers k ON " +
		"k.id = u.customer_id WHERE u.customer_id = " + arg(id) + " AND k.state <> 'deleted'), 0)"
}

// limitClause is " LIMIT n". A statement's limit is written into it, never passed as an argument: the planner
// estimates a parameter's limit as a tenth of the matches, so a long list's generic plan (a prepared statement's
// plan for any arguments) looked costly, and from the sixth execution on Postgres planned the statement afresh
// every time instead (custom plans: at 100,000 rows a list statement took 1 ms, most of it planning, against
// 0.15–0.2 ms on its generic plan; docs/load-bench.md, fifth round). A
// written limit prices the generic plan right (TestLists_PlannedOnceAtSize). Limits come from code (a page size,
// how many a page shows), so this makes no more distinct statements than there are such constants.
func limitClause(n int) string { return " LIMIT " + strconv.Itoa(n) }

// badKey is ErrBadKey when err is Postgres refusing a page's key as its list's sort type (a date or time that is
// not one: the key's value is only checked by the cast in the statement), else err. A text key casts to anything.
func badKey(sp listSpec, ks Keyset, err error) error {
	var pgErr *pgconn.PgError
	if sp.cast != "text" && (ks.After != nil || ks.Before != nil) && errors.As(err, &pgErr) &&
		(pgErr.Code == "22007" || pgErr.Code == "22008" || pgErr.Code == "22P02") { // invalid datetime, out of range, invalid text
		return fmt.Errorf("%w: %w", ErrBadKey, err)
	}
	return err
}

// listPage runs one page of sp as a single statement: the rows after (or before) the key, one more to know whether
// another page follows, each with its key and the capped count of all matches. args are the filter's arguments.
func listPage[T any](ctx context.Context, db DBTX, sp listSpec, ks Keyset, args []any, dest func(*T, []any) []any) ([]T, Paging, error) {
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	back := ks.After == nil && ks.Before != nil
	asc := sp.desc == back // ascending when neither or both of descending order and walking back
	cmp, dir := " > ", " ASC"
	if !asc {
		cmp, dir = " < ", " DESC"
	}
	countFrom := sp.countFrom
	if countFrom == "" {
		countFrom = sp.from
	}
	count := sp.count
	if count == "" && sp.branches != nil {
		panic("store: a list read in branches needs its count") // the count would read the branches' placeholder
	}
	if count == "" {
		count = "(SELECT count(*) FROM (SELECT 1" + countFrom + " LIMIT " + strconv.Itoa(CountCap+1) + ") capped)"
	}
	var after string
	if k := ks.After; k != nil || back {
		if back {
			k = ks.Before
		}
		after = " AND (" + sp.order + ", " + sp.id + ")" + cmp + "(" + arg(k.Value) + "::" + sp.cast + ", " + arg(k.ID) + "::bigint)"
	}
	page := " ORDER BY " + sp.order + dir + ", " + sp.id + dir + limitClause(sp.per+1)
	from := sp.from + after
	if len(sp.branches) > 0 { // the branches hold the filter and the key; the union is ordered and cut once more
		union := make([]string, len(sp.branches))
		for i, b := range sp.branches {
			union[i] = "(" + b + after + page + ")"
		}
		from = strings.Replace(sp.from, branchesAlias, "("+strings.Join(union, " UNION ALL ")+") i", 1)
	}
	sql := "SELECT " + sp.cols + ", (" + sp.order + ")::text, " + sp.id + ", " + count + from + page
	rows, err := db.Query(ctx, sql, plannedFor(sp.term, args)...)
	if err != nil {
		return nil, Paging{}, badKey(sp, ks, err)
	}
	// Each row scans straight into its place in the page, through one destination list for all rows: no row is
	// built and copied, and no destination list allocated per row.
	var (
		list  = make([]T, 0, sp.per+1)
		keys  = make([]Key, 0, sp.per+1)
		total int
		dst   []any
		sc    = scanner(sql)
	)
	for rows.Next() {
		list = append(list, *new(T))
		keys = append(keys, Key{})
		k := &keys[len(keys)-1]
		dst = append(dest(&list[len(list)-1], dst[:0]), &k.Value, &k.ID, &total)
		if err := sc.scan(rows, dst); err != nil {
			rows.Close()
			return nil, Paging{}, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, Paging{}, badKey(sp, ks, err)
	}
	more := len(list) > sp.per
	if more {
		list, keys = list[:sp.per], keys[:sp.per]
	}
	if back {
		slices.Reverse(list)
		slices.Reverse(keys)
	}
	pg := Paging{Total: total, First: ks.After == nil && (ks.Before == nil || !more)}
	if len(keys) > 0 {
		first, last := keys[0], keys[len(keys)-1]
		if back {
			pg.Next = &last
			if more {
				pg.Prev = &first
			}
		} else {
			if more {
				pg.Next = &last
			}
			if ks.After != nil {
				pg.Prev = &first
			}
		}
	}
	return list, pg, nil
}
