package ispsim

import (
	"encoding/json"
	"fmt"
	"io"
)

// savedTable is one table in a saved state: column names, rows (nil for NULL) and the next auto id.
type savedTable struct {
	Cols   []string    `json:"cols"`
	Rows   [][]*string `json:"rows"`
	NextID int64       `json:"next_id"`
}

// Save writes every table's rows as JSON, so a development simulator can keep its data across restarts alongside
// the portal's database. Sessions, remote users, faults and the call log are not saved.
func (s *Sim) Save(w io.Writer) error {
	s.mu.Lock()
	out := map[string]savedTable{}
	for name, t := range s.tables {
		st := savedTable{NextID: t.nextID}
		for _, c := range t.cols {
			st.Cols = append(st.Cols, c.name)
		}
		for _, r := range t.rows {
			vals := make([]*string, len(r))
			for i, v := range r {
				if v.valid {
					s := v.s
					vals[i] = &s
				}
			}
			st.Rows = append(st.Rows, vals)
		}
		out[name] = st
	}
	s.mu.Unlock()
	return json.NewEncoder(w).Encode(out)
}

// Load replaces the tables' rows with a state written by Save. Columns are matched by name: a column the saved
// state lacks gets its default, a saved column the schema lacks is dropped.
func (s *Sim) Load(r io.Reader) error {
	var in map[string]savedTable
	if err := json.NewDecoder(r).Decode(&in); err != nil {
		return fmt.Errorf("ispsim: load state: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, st := range in {
		t, ok := s.tables[name]
		if !ok {
			continue
		}
		pos := make([]int, len(t.cols)) // schema column → saved column, or -1
		for i, c := range t.cols {
			pos[i] = -1
			for j, n := range st.Cols {
				if n == c.name {
					pos[i] = j
				}
			}
		}
		t.rows = t.rows[:0]
		for _, saved := range st.Rows {
			row := make(row, len(t.cols))
			for i, c := range t.cols {
				row[i] = c.def
				if j := pos[i]; j >= 0 && j < len(saved) {
					row[i] = null
					if saved[j] != nil {
						row[i] = str(*saved[j])
					}
				}
			}
			t.rows = append(t.rows, row)
		}
		t.nextID = st.NextID
	}
	return nil
}
