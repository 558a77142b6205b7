package ispsim

import (
	"math"
	"strconv"
	"strings"
)

// colKind is the MySQL storage class of a column, which decides how a written value is coerced (API.md §3.2.3 step 6,
// non-strict SQL mode).
type colKind uint8

const (
	kindString colKind = iota
	kindInt
	kindEnum
	kindDate
	kindDateTime
)

// nval is a nullable column value.
type nval struct {
	s     string
	valid bool
}

func str(s string) nval { return nval{s: s, valid: true} }

var null = nval{}

// column is one column of a simulated table.
type column struct {
	name     string
	kind     colKind
	unsigned bool
	size     int // maximum characters for varchar/char, 0 = unlimited
	enum     []string
	def      nval
	auto     bool
}

// row holds the values of one record in column order.
type row []nval

// table is an in-memory MySQL table: rows kept in primary-key order, the primary key is the first column.
type table struct {
	name   string
	cols   []column
	idx    map[string]int
	rows   []row
	nextID int64
}

func (t *table) pk() string { return t.cols[0].name }

func (t *table) id(r row) int64 {
	n, _ := strconv.ParseInt(r[0].s, 10, 64)
	return n
}

// find returns the position of the row with primary key id, or -1.
func (t *table) find(id int64) int {
	lo, hi := 0, len(t.rows)
	for lo < hi {
		m := (lo + hi) / 2
		v := t.id(t.rows[m])
		switch {
		case v == id:
			return m
		case v < id:
			lo = m + 1
		default:
			hi = m
		}
	}
	return -1
}

func (t *table) get(id int64) row {
	if i := t.find(id); i >= 0 {
		return t.rows[i]
	}
	return nil
}

// newRow returns a row filled with the column defaults.
func (t *table) newRow() row {
	r := make(row, len(t.cols))
	for i, c := range t.cols {
		r[i] = c.def
	}
	return r
}

// insert stores r, assigning the next auto-increment id when its primary key is empty. It reports false on a
// duplicate primary key.
func (t *table) insert(r row) (int64, bool) {
	if !r[0].valid || r[0].s == "" || r[0].s == "0" {
		t.nextID++
		r[0] = str(strconv.FormatInt(t.nextID, 10))
		t.rows = append(t.rows, r)
		return t.nextID, true
	}
	id := t.id(r)
	if t.find(id) >= 0 {
		return 0, false
	}
	if id > t.nextID {
		t.nextID = id
	}
	pos := len(t.rows)
	for pos > 0 && t.id(t.rows[pos-1]) > id {
		pos--
	}
	t.rows = append(t.rows, nil)
	copy(t.rows[pos+1:], t.rows[pos:])
	t.rows[pos] = r
	return id, true
}

func (t *table) remove(id int64) bool {
	i := t.find(id)
	if i < 0 {
		return false
	}
	t.rows = append(t.rows[:i], t.rows[i+1:]...)
	return true
}

func (t *table) val(r row, col string) nval {
	if i, ok := t.idx[col]; ok {
		return r[i]
	}
	return null
}

func (t *table) set(r row, col string, v nval) {
	if i, ok := t.idx[col]; ok {
		r[i] = t.cols[i].coerce(v)
	}
}

// coerce turns v into what MySQL in non-strict mode stores in column c.
func (c *column) coerce(v nval) nval {
	if !v.valid {
		return v
	}
	switch c.kind {
	case kindInt:
		f := mysqlNumber(v.s)
		if c.unsigned && f < 0 {
			f = 0
		}
		return str(strconv.FormatInt(int64(math.Round(f)), 10))
	case kindEnum:
		for _, e := range c.enum {
			if strings.EqualFold(e, v.s) {
				return str(e)
			}
		}
		return str("")
	case kindString:
		if c.size > 0 && len(v.s) > c.size {
			r := []rune(v.s)
			if len(r) > c.size {
				return str(string(r[:c.size]))
			}
		}
	}
	return v
}

// mysqlNumber converts a string the way MySQL does in a numeric context: the longest numeric prefix, else 0.
func mysqlNumber(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\r")
	end := 0
	seenDigit, seenDot, seenExp := false, false, false
	for end < len(s) {
		ch := s[end]
		switch {
		case ch >= '0' && ch <= '9':
			seenDigit = true
		case (ch == '+' || ch == '-') && (end == 0 || s[end-1] == 'e' || s[end-1] == 'E'):
		case ch == '.' && !seenDot && !seenExp:
			seenDot = true
		case (ch == 'e' || ch == 'E') && seenDigit && !seenExp:
			seenExp = true
		default:
			goto done
		}
		end++
	}
done:
	for end > 0 {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
		end--
	}
	return 0
}

// parseSchema reads schemaText into fresh, empty tables.
func parseSchema() map[string]*table {
	tables := map[string]*table{}
	for _, line := range strings.Split(schemaText, "\n") {
		name, rest, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		t := &table{name: name, idx: map[string]int{}}
		for rest != "" {
			var c column
			c.name, rest, _ = strings.Cut(rest, " ")
			var typ string
			typ, rest, _ = strings.Cut(rest, "=")
			if strings.HasPrefix(rest, "'") {
				end := strings.Index(rest[1:], "'") + 1
				c.def = str(rest[1:end])
				rest = rest[end+1:]
			} else {
				var d string
				if i := strings.Index(rest, ", "); i >= 0 {
					d, rest = rest[:i], rest[i:]
				} else {
					d, rest = rest, ""
				}
				switch d {
				case "auto":
					c.auto = true
				case "NULL":
				case "(none)":
					c.def = str("")
				default:
					c.def = str(d)
				}
			}
			rest = strings.TrimPrefix(rest, ", ")
			c.unsigned = strings.HasSuffix(typ, " unsigned")
			base, arg, _ := strings.Cut(strings.TrimSuffix(typ, " unsigned"), "(")
			arg = strings.TrimSuffix(arg, ")")
			switch base {
			case "int", "bigint", "tinyint", "smallint":
				c.kind = kindInt
			case "enum":
				c.kind = kindEnum
				for _, e := range strings.Split(arg, ",") {
					c.enum = append(c.enum, strings.Trim(strings.TrimSpace(e), "'"))
				}
			case "date":
				c.kind = kindDate
			case "datetime", "timestamp":
				c.kind = kindDateTime
			case "varchar", "char":
				c.size, _ = strconv.Atoi(arg)
			}
			t.idx[c.name] = len(t.cols)
			t.cols = append(t.cols, c)
		}
		tables[name] = t
	}
	return tables
}
